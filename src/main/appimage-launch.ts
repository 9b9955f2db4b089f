/**
 * Starting the helper from an AppImage. An AppImage installs nothing, so
 * there is no policy (pkexec asks with its generic action), and root cannot
 * read the AppImage's FUSE mount. So the app packs its helper tree into one
 * archive in the user's runtime folder and passes pkexec the archive's path
 * with its SHA-256. As root, APPIMAGE_ROOT_SCRIPT copies the archive into a
 * new root-only folder, checks the digest of that copy, unpacks it there and
 * runs it. Another process of the user may replace the archive at any time;
 * whatever it swaps in fails the digest that the authorized command line
 * carries, and root never runs anything from a place the user can write.
 * The trade-offs are in README.md (Installing).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PKEXEC, type Launch } from '../backend/helper-client.js';

/** What pkexec runs as root: `sh -c SCRIPT bpf-lab-helper ARCHIVE SHA256`. */
export const APPIMAGE_ROOT_SCRIPT = `set -eu
umask 077
case "$2" in *[!0-9a-f]*) echo "bpf-lab-helper: bad digest" >&2; exit 2 ;; esac
[ \${#2} -eq 64 ] || { echo "bpf-lab-helper: bad digest" >&2; exit 2; }
dir=$(mktemp -d /run/bpf-lab-helper.XXXXXX)
cp -- "$1" "$dir/helper.tar"
if ! echo "$2  $dir/helper.tar" | sha256sum -c --status; then
  rm -rf -- "$dir"
  echo "bpf-lab-helper: the helper archive does not match the digest the app was started with" >&2
  exit 1
fi
tar -x -f "$dir/helper.tar" -C "$dir" --no-same-owner
chmod 0700 -- "$dir"
rm -f -- "$dir/helper.tar"
: > "$dir/.ephemeral"
exec /usr/bin/node "$dir/build/helper/main.js"`;

/** True when this app runs from a mounted AppImage (its resources inside APPDIR). */
export function runsFromAppImage(env: NodeJS.ProcessEnv, resourcesPath: string): boolean {
  const appDir = env['APPDIR'];
  return Boolean(env['APPIMAGE']) && Boolean(appDir) && resourcesPath.startsWith(`${appDir}/`);
}

export function appImageLaunch(archive: string, sha256: string): Launch {
  return { via: 'pkexec', command: PKEXEC, args: ['/bin/sh', '-c', APPIMAGE_ROOT_SCRIPT, 'bpf-lab-helper', archive, sha256] };
}

/**
 * Packs helperDir (with the system's tar) into a new 0700 folder under runtimeDir and returns
 * the archive and the SHA-256 of the bytes this process read and wrote.
 */
export async function packHelper(helperDir: string, runtimeDir: string): Promise<{ archive: string; sha256: string }> {
  const tar = spawn('tar', ['-c', '-f', '-', '-C', helperDir, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  let stderr = '';
  tar.stdout.on('data', (c: Buffer) => chunks.push(c));
  tar.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
  const status = await new Promise<number | null>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', resolve);
  });
  if (status !== 0) throw new Error(`cannot pack the helper from ${helperDir}: ${stderr.trim()}`);
  const bytes = Buffer.concat(chunks);
  const dir = fs.mkdtempSync(path.join(runtimeDir, 'bpf-lab-'));
  const archive = path.join(dir, 'helper.tar');
  fs.writeFileSync(archive, bytes, { mode: 0o600 });
  return { archive, sha256: createHash('sha256').update(bytes).digest('hex') };
}
