/**
 * Processes, read from /proc. processesOf: the processes one user runs, what the sweep of stale
 * AppImage copies (ephemeral.ts) and the per-user helper cap (user-cap.ts) both judge by; only
 * processes of the given owner (root, for both) count, so no user can make look-alikes that
 * matter. checkProcess: whether a start's pid names a process the caller may watch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LabError } from '../src/shared/errors.js';

/** pid → argument list of the processes whose /proc entry the given uid owns; empty if procDir cannot be read. */
export function processesOf(uid: number, procDir = '/proc'): Map<number, string[]> {
  const found = new Map<number, string[]>();
  let names: string[];
  try {
    names = fs.readdirSync(procDir).filter((n) => /^\d+$/.test(n));
  } catch {
    return found;
  }
  for (const name of names) {
    try {
      if (fs.statSync(path.join(procDir, name)).uid !== uid) continue;
      found.set(Number(name), fs.readFileSync(path.join(procDir, name, 'cmdline'), 'latin1').split('\0'));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Throws unless pid names a running process (not a thread, not a zombie: the probes match a
 * process id, and such a pid would count nothing, silently) and, for a caller who is not root
 * (owner), one of theirs as ptrace would judge it: real, effective and saved uid all the
 * caller's, the same for the gids, and /proc/PID the caller's too, which it is not while the
 * process is undumpable (after a setuid exec, for one). The programs check the same on every hit.
 */
export function checkProcess(pid: number, owner: { uid: number; gid: number } | null, procDir = '/proc'): void {
  let status: string;
  let dirOwner: number;
  try {
    status = fs.readFileSync(path.join(procDir, String(pid), 'status'), 'utf8');
    dirOwner = fs.statSync(path.join(procDir, String(pid))).uid;
  } catch {
    throw new LabError('bad-request', `No process ${pid} is running: give the PID of a running process.`);
  }
  const tgid = /^Tgid:\s*(\d+)/m.exec(status)?.[1];
  if (tgid && Number(tgid) !== pid) {
    throw new LabError('bad-request', `${pid} is a thread of process ${tgid}: give the process's PID, ${tgid}.`);
  }
  if (/^State:\s*Z/m.test(status)) throw new LabError('bad-request', `Process ${pid} has exited (a zombie): it runs nothing more.`);
  if (owner === null) return;
  const ids = (name: string, want: number): boolean => {
    const found = new RegExp(`^${name}:\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)`, 'm').exec(status)?.slice(1).map(Number) ?? [];
    return found.length === 3 && found.every((id) => id === want);
  };
  if (!ids('Uid', owner.uid) || !ids('Gid', owner.gid) || dirOwner !== owner.uid) {
    throw new LabError('not-authorized', `Process ${pid} is not yours: BPF Lab shows you only your own processes, `
      + 'as other users\' activity is theirs. Give the PID of a program you started.');
  }
}
