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
import { PKEXEC, type Launch } from '../backend/launch.js';

/** Root copies at most this much of the archive (the staged helper is about 12 MB). */
const MAX_ARCHIVE_BYTES = 64 << 20;

/**
 * What pkexec runs as root: `sh -c SCRIPT bpf-lab-helper ARCHIVE SHA256`. The archive is
 * copied (capped) into a new root-only folder and checked there; tar then keeps root as owner
 * and the umask's 0700/0600 modes, whatever the archive says, and never re-modes the folder.
 * The copy's own launcher then starts the helper, with Node's inspector closed as everywhere.
 * The caller's resource limits reach this script too, so it first sets the launcher's (the block
 * between the limits markers is the launcher's, word for word; a unit test keeps them equal):
 * under the caller's `ulimit -f 1`, head and tar would die of SIGXFSZ.
 */
export const APPIMAGE_ROOT_SCRIPT = `set -eu
umask 077
# limits:begin
# pkexec passes the caller's resource limits on to root. The helper sets its own before Node
# starts, so that a caller's neither crash it (EMFILE while Node loads its modules) nor shape
# what root does: 4096 open files (measured: 19 idle, 81 with 8 sessions, each start briefly
# more; Node itself raises the soft limit to the hard one), no file size limit (a write to
# /run/bpf-lab would fail with EFBIG) and no core file (root's memory must not land where a
# caller chose). A hard limit the caller lowered can be raised only with CAP_SYS_RESOURCE.
limit() { # FLAG NAME WANT: the soft limit WANT, the hard one at least WANT (exit 81 if it cannot be)
  hard=$(ulimit -H"$1")
  if [ "$hard" != unlimited ] && { [ "$3" = unlimited ] || [ "$hard" -lt "$3" ]; }; then
    ulimit -H"$1" "$3" 2>/dev/null || {
      echo "bpf-lab-helper: your hard limit on $2 (ulimit -H$1) is $hard, the helper needs $3, and root cannot raise it here (no CAP_SYS_RESOURCE): start BPF Lab from a shell or session that does not lower it" >&2
      exit 81
    }
  fi
  ulimit -S"$1" "$3"
}
limit n 'open files' 4096
limit f 'file size' unlimited
ulimit -c 0
# limits:end
fail() { echo "bpf-lab-helper: $1" >&2; exit 2; }
case "$1" in /*) ;; *) fail "the archive path must be absolute" ;; esac
case "$2" in *[!0-9a-f]*) fail "bad digest" ;; esac
[ \${#2} -eq 64 ] || fail "bad digest"
{ [ -f "$1" ] && [ ! -L "$1" ]; } || fail "the archive is not a regular file"
dir=$(mktemp -d /run/bpf-lab-helper.XXXXXX)
echo $$ > "$dir/.ephemeral"
head -c ${MAX_ARCHIVE_BYTES} -- "$1" > "$dir/helper.tar"
if ! echo "$2  $dir/helper.tar" | sha256sum -c --status; then
  rm -rf -- "$dir"
  echo "bpf-lab-helper: the helper archive does not match the digest the app was started with" >&2
  exit 1
fi
tar -x -f "$dir/helper.tar" -C "$dir" --no-same-owner --no-same-permissions --no-overwrite-dir
chmod 0700 -- "$dir"
rm -f -- "$dir/helper.tar"
exec "$dir/bpf-lab-helper"`;

/** True when this app runs from a mounted AppImage (its resources inside APPDIR). */
export function runsFromAppImage(env: NodeJS.ProcessEnv, resourcesPath: string): boolean {
  const appDir = env['APPDIR'];
  return Boolean(env['APPIMAGE']) && Boolean(appDir) && resourcesPath.startsWith(`${appDir}/`);
}

export function appImageLaunch(archive: string, sha256: string): Launch {
  return { via: 'pkexec', command: PKEXEC, args: ['/bin/sh', '-c', APPIMAGE_ROOT_SCRIPT, 'bpf-lab-helper', archive, sha256] };
}

/**
 * Packs helperDir (with the system's tar) as ARCHIVE_NAME in the user's private folder under
 * runtimeDir (one archive at a time, replaced on each start) and returns it with the SHA-256 of
 * the bytes this process read and wrote. The folder must be ours alone, never a link.
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
  const dir = privateFolder(path.join(runtimeDir, 'bpf-lab'));
  const archive = path.join(dir, 'helper.tar');
  fs.writeFileSync(`${archive}.new`, bytes, { mode: 0o600 });
  fs.renameSync(`${archive}.new`, archive);
  return { archive, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Removes the packed archive (on quit: root has its own copy, and a restart packs again). */
export function discardPackedHelper(archive: string): void {
  fs.rmSync(archive, { force: true });
}

function privateFolder(dir: string): string {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) {
    throw new Error(`${dir} must be a folder of this user's, private to it (0700, not a link)`);
  }
  return dir;
}
