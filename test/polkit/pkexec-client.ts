/**
 * Run as an unprivileged user by pkexec.test.ts: the app's backend
 * (LabService) starts the helper through pkexec and the installed launcher,
 * runs a histogram of an oracle workload (gated until attached), then one
 * with no pid (which counts only this user's processes), tries one thing a
 * user may not do, and prints one JSON line of what happened.
 *
 *   node pkexec-client.js LAUNCHER|appimage:HELPER_DIR ORACLE SIZE...
 *
 * With appimage:HELPER_DIR it packs that tree itself, as the app does from its
 * AppImage mount, into a private folder of this user's. With ulimit:COMMANDS@SPEC a shell of
 * this user's lowers its limits with COMMANDS and then runs pkexec as SPEC says.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pkexecLaunch, type Launch } from '../../src/backend/launch.js';
import { LabService } from '../../src/backend/lab-service.js';
import { GatedChild } from '../../src/cli/gated-child.js';
import { LabError } from '../../src/shared/errors.js';
import { appImageLaunch, packHelper } from '../../src/main/appimage-launch.js';

const [launcher, oracle, ...sizes] = process.argv.slice(2);
async function launchFor(spec: string): Promise<Launch> {
  // ulimit:COMMANDS@SPEC: the user's shell runs COMMANDS (lowering its limits), then pkexec as SPEC says.
  const lowered = /^ulimit:([^@]*)@(.*)$/.exec(spec);
  if (lowered) {
    const inner = await launchFor(lowered[2]!);
    return { via: 'pkexec', command: '/bin/sh', args: ['-c', `${lowered[1]}; exec "$@"`, 'sh', inner.command, ...inner.args] };
  }
  if (!spec.startsWith('appimage:')) return pkexecLaunch(spec);
  const runtime = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-user-'));
  const { archive, sha256 } = await packHelper(spec.slice('appimage:'.length), runtime);
  return appImageLaunch(archive, sha256);
}

/** The resource limits of the helper this process started (pkexec execs it, under our pid's child). */
function helperLimits(): string[] {
  const child = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).find((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')[1] === String(process.pid)
        && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('helper/main.js');
    } catch {
      return false; // gone
    }
  });
  return child ? fs.readFileSync(`/proc/${child}/limits`, 'utf8').split('\n').filter((l) => /^Max (open files|file size|core file size)/.test(l)) : [];
}

const service = new LabService({ launch: await launchFor(launcher!) });
const report: Record<string, unknown> = {};
try {
  await service.start();
  const { helper } = service.status();
  report['helper'] = helper;
  if (helper.state === 'ready') {
    report['helperLimits'] = helperLimits();
    const gate = new GatedChild([oracle!, 'write', ...sizes]);
    const info = await service.handle('lab:start', {
      mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 60_000, pid: gate.pid,
    });
    gate.release();
    report['oracleStatus'] = await gate.exited;
    report['stopped'] = await service.handle('lab:stop', { session: info.session });
    // With no pid: only this user's processes count, in the kernel, and the notice says so. The
    // oracle is forked first: Node's forked child writes a byte to it before it execs.
    const own = new GatedChild([oracle!, 'write', ...sizes.slice(0, 2)]);
    const everyone = await service.handle('lab:start', {
      mode: 'stat', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 60_000,
    });
    report['ownNotices'] = everyone.notices;
    own.release();
    report['ownOracleStatus'] = await own.exited;
    report['own'] = await service.handle('lab:stop', { session: everyone.session });
    // A histogram with 1-byte buckets of `buf` would be another process's pointers.
    report['refused'] = await service.handle('lab:start', {
      mode: 'stat', probe: { kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_write', field: 'count' },
      layout: 'linear:0:4096:1', intervalMs: 2000,
    }).then(() => null, (e: LabError) => e.toData());
  }
} catch (e) {
  report['error'] = LabError.toData(e);
} finally {
  await service.dispose();
}
process.stdout.write(`${JSON.stringify(report)}\n`);
