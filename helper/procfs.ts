/**
 * The processes one user runs, read from /proc: what the sweep of stale
 * AppImage copies (ephemeral.ts) and the per-user helper cap (user-cap.ts)
 * both judge by. Only processes of the given owner (root, for both) count,
 * so no user can make look-alikes that matter.
 */
import fs from 'node:fs';
import path from 'node:path';

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
