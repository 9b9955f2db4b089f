/**
 * Run as an unprivileged user by pkexec.test.ts: starts helpers through pkexec
 * and the installed launcher one after another, keeping each open, until one
 * is refused or one more than a user may run are up; then closes them all and
 * prints one JSON line: how many started and the refusal.
 *
 *   node pkexec-crowd.js LAUNCHER
 */
import { HelperClient } from '../../src/backend/helper-client.js';
import { pkexecLaunch } from '../../src/backend/launch.js';
import { LabError } from '../../src/shared/errors.js';
import { MAX_HELPERS_PER_USER } from '../../src/shared/protocol.js';

const clients: HelperClient[] = [];
const report: Record<string, unknown> = {};
try {
  while (clients.length <= MAX_HELPERS_PER_USER) clients.push(await HelperClient.start(pkexecLaunch(process.argv[2]!)));
} catch (e) {
  report['refused'] = LabError.toData(e);
} finally {
  report['started'] = clients.length;
  for (const client of clients) await client.close();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
