/**
 * How many helpers one user who is not root may run at once. With the lab's
 * group rule, starting a helper needs no password, so without a cap one
 * student could load a shared machine with helpers (each may run
 * MAX_SESSIONS sessions). Root's own starts are not capped.
 *
 * A helper counts when it is a root process running a helper's main.js with
 * that user in PKEXEC_UID (pkexec sets it; the launcher keeps it). Only root
 * processes count, so no user can fill another's quota with look-alikes.
 * Two starts at the same moment may both count each other; the cap is a
 * guard against accidents and runaway scripts, not an exact quota.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MAX_HELPERS_PER_USER } from '../src/shared/protocol.js';
import { processesOf } from './procfs.js';

const HELPER_MAIN = /\/build\/helper\/main\.js$/;

export interface CapOptions {
  procDir?: string;
  /** This helper, which does not count itself. */
  self?: number;
  /** The owner a counted process must have: root. */
  owner?: number;
}

/** The pids of the other running helpers started for uid, in order. */
export function helpersOf(uid: number, { procDir = '/proc', self = process.pid, owner = 0 }: CapOptions = {}): number[] {
  const found: number[] = [];
  for (const [pid, argv] of processesOf(owner, procDir)) {
    if (pid === self || !argv.some((arg) => HELPER_MAIN.test(arg))) continue;
    try {
      const env = fs.readFileSync(path.join(procDir, String(pid), 'environ'), 'latin1').split('\0');
      if (env.includes(`PKEXEC_UID=${uid}`)) found.push(pid);
    } catch {
      // gone meanwhile
    }
  }
  return found.sort((a, b) => a - b);
}

/** Why this helper may not run for caller (null: it may); root and unknown callers are not capped. */
export function capProblem(caller: number | null, options: CapOptions = {}): string | null {
  if (caller === null || caller === 0) return null;
  const others = helpersOf(caller, options);
  if (others.length < MAX_HELPERS_PER_USER) return null;
  return `user ${caller} already runs ${others.length} helpers (pids ${others.join(', ')}); the most is ${MAX_HELPERS_PER_USER}`;
}
