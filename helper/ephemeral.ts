/**
 * A helper started from an AppImage runs from a private copy that root made
 * for this run (src/main/appimage-launch.ts marks it with `.ephemeral` as soon
 * as it exists; the marker holds the pid that becomes the helper). It removes that copy when it exits.
 * A helper that was killed (SIGKILL, a crash of node itself) cannot, so every
 * helper that starts first removes copies whose helper is gone. An installed
 * helper's own tree is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { processesOf } from './procfs.js';

const PREFIX = 'bpf-lab-helper.';
const COPY_NAME = /^bpf-lab-helper\.[A-Za-z0-9]{6}$/;
const PRIVATE_ROOT = /^\/run\/bpf-lab-helper\.[A-Za-z0-9]{6}\/$/;
/** A copy with no marker is just being made, or its making failed; after this long it is the latter. */
export const UNMARKED_GRACE_MS = 10 * 60_000;

/** This helper's tree: the folder that holds build/helper. */
const OWN_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Removes this helper's own tree if, and only if, it is a marked private copy under /run. */
export function removeEphemeralRoot(root = OWN_ROOT): boolean {
  if (!PRIVATE_ROOT.test(root) || !fs.existsSync(`${root}.ephemeral`)) return false;
  fs.rmSync(root, { recursive: true, force: true });
  return true;
}

/**
 * Whether a copy is in use: a root process runs from it (a helper, whatever its marker says,
 * markers of older versions included), or the marker's pid is the root script that made it,
 * not yet exec'd into the helper (its $0 is bpf-lab-helper). A user's process named alike
 * does not count; a reused pid that now runs something else does not either.
 */
function inUse(copy: string, marker: string, processes: Map<number, string[]>): boolean {
  for (const argv of processes.values()) if (argv.some((arg) => arg.startsWith(`${copy}/`))) return true;
  const pid = Number(marker.trim());
  return Number.isSafeInteger(pid) && pid > 0 && (processes.get(pid)?.includes('bpf-lab-helper') ?? false);
}

export interface SweepOptions {
  runDir?: string;
  procDir?: string;
  now?: number;
  /** The owner a copy, and a process that keeps it, must have: root, as the root script made it. */
  uid?: number;
  /** This helper's own tree, never removed here whatever its marker says. */
  self?: string;
}

/**
 * Removes private copies under runDir left by helpers that no longer run. Returns the names
 * removed. Only folders named as the root script names them, owned by root, not links.
 */
export function sweepStaleCopies(
  { runDir = '/run', procDir = '/proc', now = Date.now(), uid = 0, self = OWN_ROOT }: SweepOptions = {},
): string[] {
  const removed: string[] = [];
  let processes: Map<number, string[]> | undefined;
  let names: string[];
  try {
    names = fs.readdirSync(runDir).filter((n) => n.startsWith(PREFIX) && COPY_NAME.test(n));
  } catch {
    return removed;
  }
  for (const name of names) {
    const copy = path.join(runDir, name);
    if (`${copy}/` === self) continue;
    try {
      const st = fs.lstatSync(copy);
      if (!st.isDirectory() || st.uid !== uid) continue;
      let marker: string | null = null;
      try {
        marker = fs.readFileSync(path.join(copy, '.ephemeral'), 'utf8');
      } catch {
        // no marker yet
      }
      processes ??= processesOf(uid, procDir);
      const stale = marker === null ? now - st.mtimeMs > UNMARKED_GRACE_MS : !inUse(copy, marker, processes);
      if (!stale) continue;
      fs.rmSync(copy, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to judge: leave it
    }
  }
  return removed;
}
