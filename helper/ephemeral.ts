/**
 * A helper started from an AppImage runs from a private copy that root made
 * for this run (src/main/appimage-launch.ts marks it with `.ephemeral`, which
 * holds the pid that becomes the helper). It removes that copy when it exits.
 * A helper that was killed (SIGKILL, a crash of node itself) cannot, so every
 * helper that starts first removes copies whose helper is gone. An installed
 * helper's own tree is never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PREFIX = 'bpf-lab-helper.';
const COPY_NAME = /^bpf-lab-helper\.[A-Za-z0-9]{6}$/;
const PRIVATE_ROOT = /^\/run\/bpf-lab-helper\.[A-Za-z0-9]{6}\/$/;
/** A copy with no marker is still being unpacked, or its unpacking failed; after this long it is the latter. */
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
 * Whether the copy's owner still runs: the pid in its marker is alive and is either the root
 * script before its exec (its $0 is bpf-lab-helper) or the helper running from this copy.
 * A reused pid belongs to some other program and counts as gone.
 */
function ownerRuns(copy: string, marker: string, procDir: string): boolean {
  const pid = Number(marker.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(path.join(procDir, String(pid), 'cmdline'), 'latin1');
  } catch {
    return false;
  }
  return cmdline.split('\0').some((arg) => arg === 'bpf-lab-helper' || arg.startsWith(`${copy}/`));
}

export interface SweepOptions {
  runDir?: string;
  procDir?: string;
  now?: number;
  /** The owner a copy must have: root, as the root script made it. */
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
      const stale = marker === null ? now - st.mtimeMs > UNMARKED_GRACE_MS : !ownerRuns(copy, marker, procDir);
      if (!stale) continue;
      fs.rmSync(copy, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to judge: leave it
    }
  }
  return removed;
}
