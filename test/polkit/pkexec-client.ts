/**
 * Run as an unprivileged user by pkexec.test.ts: the app's backend
 * (LabService) starts the helper through pkexec and the installed launcher,
 * runs a histogram of an oracle workload (gated until attached), tries one
 * thing a user may not do, and prints one JSON line of what happened.
 *
 *   node pkexec-client.js LAUNCHER|appimage:ARCHIVE:SHA256 ORACLE SIZE...
 */
import { spawn } from 'node:child_process';
import { pkexecLaunch } from '../../src/backend/helper-client.js';
import { LabService } from '../../src/backend/lab-service.js';
import { LabError } from '../../src/shared/errors.js';
import { appImageLaunch } from '../../src/main/appimage-launch.js';

const [launcher, oracle, ...sizes] = process.argv.slice(2);
const appImage = /^appimage:(.+):([0-9a-f]{64})$/.exec(launcher!);
const service = new LabService({ launch: appImage ? appImageLaunch(appImage[1]!, appImage[2]!) : pkexecLaunch(launcher!) });
const report: Record<string, unknown> = {};
try {
  await service.start();
  const { helper } = service.status();
  report['helper'] = helper;
  if (helper.state === 'ready') {
    const gate = spawn('/bin/sh', ['-c', 'read -r _ && exec "$@"', 'gate', oracle!, 'write', ...sizes], { stdio: ['pipe', 'ignore', 'inherit'] });
    const exited = new Promise((resolve) => gate.on('close', resolve));
    const info = await service.handle('lab:start', {
      mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 60_000, pid: gate.pid!,
    });
    gate.stdin.end('go\n');
    report['oracleStatus'] = await exited;
    report['stopped'] = await service.handle('lab:stop', { session: info.session });
    report['refused'] = await service.handle('lab:start', {
      mode: 'trace', probe: { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_write', field: 'buf' },
      layout: 'seed', intervalMs: 2000,
    }).then(() => null, (e: LabError) => e.toData());
  }
} catch (e) {
  report['error'] = LabError.toData(e);
} finally {
  await service.dispose();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
