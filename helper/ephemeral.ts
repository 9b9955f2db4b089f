/**
 * A helper started from an AppImage runs from a private copy that root made
 * for this run (src/main/appimage-launch.ts marks it with `.ephemeral`). It
 * removes that copy when it exits; an installed helper is never touched.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const PRIVATE_ROOT = /^\/run\/bpf-lab-helper\.[A-Za-z0-9]{6}\/$/;

/** Removes this helper's own tree if, and only if, it is a marked private copy under /run. */
export function removeEphemeralRoot(root = fileURLToPath(new URL('../../', import.meta.url))): boolean {
  if (!PRIVATE_ROOT.test(root) || !fs.existsSync(`${root}.ephemeral`)) return false;
  fs.rmSync(root, { recursive: true, force: true });
  return true;
}
