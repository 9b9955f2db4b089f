/**
 * Run by pkexec.test.ts, as a user or as root: inspects a catalog probe through the installed
 * launcher and prints one JSON line with the inspection, so the test can check what a user who
 * is not root may see of the kernel.
 *
 *   node pkexec-inspect.js LAUNCHER
 */
import { HelperClient } from '../../src/backend/helper-client.js';
import { pkexecLaunch } from '../../src/backend/launch.js';
import { LabError } from '../../src/shared/errors.js';

const [launcher] = process.argv.slice(2);
const report: Record<string, unknown> = {};
// As root, the launcher itself (pkexec would ask polkit for nothing new); otherwise through pkexec.
const launch = process.getuid?.() === 0 ? { via: 'direct' as const, command: launcher!, args: [] } : pkexecLaunch(launcher!);
let client: HelperClient | null = null;
try {
  client = await HelperClient.start(launch);
  const { session } = await client.request('start', { session: 1,
    mode: 'trace', probe: { kind: 'catalog', id: 'write' }, intervalMs: 0, stats: true, verifierLog: true,
  });
  report['inspection'] = await client.request('inspect', { session });
  await client.request('stop', { session });
} catch (e) {
  report['error'] = LabError.toData(e);
} finally {
  await client?.close();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
