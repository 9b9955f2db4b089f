/**
 * The probes answer kept for the rest of this boot, so that a new helper (each app window, each
 * CLI run) does not load and attach every catalog probe again. It lives in /run, which every
 * boot starts empty, and is written and believed only as root:
 * - the file is named by nothing a caller gives, and opened without following links;
 * - it is believed only if root owns it and its folder, no one else may write either, and it
 *   is the answer for this very boot, kernel, helper version and set of BPF objects;
 * - its content is checked like any answer that crosses a boundary (resultSchemas.probes).
 * Anything else, a read or write error included, means "not cached": the probes are tried
 * again, as without a cache. `probes --refresh` and the app's "Check again" always try them.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../src/shared/errors.js';
import { CATALOG_IDS } from '../src/shared/probes.js';
import { resultSchemas, type Result } from '../src/shared/protocol.js';
import { objectPath } from './bpf-object.js';

export const PROBE_CACHE_DIR = '/run/bpf-lab';
const FILE = 'probes.json';
/** Far above a real answer (a few KiB); a bigger file is not ours. */
const MAX_BYTES = 256 << 10;
const BOOT_ID = '/proc/sys/kernel/random/boot_id';
const OBJECTS = ['hist', 'trace', 'calls'] as const;

/** The helper's own compiled code: a rebuilt helper (same version) may try probes differently. */
const HELPER_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * What the answer depends on: this boot, the helper's version and code, the kernel as the
 * helper sees it (features, tracefs, libbpf) and the BPF objects it loads, by content. Null
 * when any of them cannot be read.
 */
export function probeCacheKey(version: string, kernel: Result<'probes'>['kernel']): string | null {
  const hash = createHash('sha256').update(JSON.stringify({ version, kernel }));
  try {
    hash.update(fs.readFileSync(BOOT_ID));
    for (const name of OBJECTS) hash.update(fs.readFileSync(objectPath(name)));
    for (const file of fs.readdirSync(HELPER_DIR).filter((f) => f.endsWith('.js')).sort()) {
      hash.update(file).update(fs.readFileSync(path.join(HELPER_DIR, file)));
    }
  } catch {
    return null;
  }
  return hash.digest('hex');
}

/**
 * Whether an answer may be kept for the boot: every probe that does not work here is refused
 * for a reason of the kernel's build (no kprobes, a function in .noinstr.text, an event that
 * does not exist), not by a load or attach that failed. Those can fail for passing reasons, some
 * of them the caller's own (a low limit on open files, a memory cgroup), which must not reach
 * other users' answers.
 */
export function keepable(result: Result<'probes'>): boolean {
  return result.probes.every((p) => p.available || p.reasons.every((r) => !ATTACH_FAILURES.has(r.code)));
}

/** A path we may trust as root: root owns it, and neither group nor others may write it. */
function rootOnly(stat: fs.Stats): boolean {
  return stat.uid === 0 && (stat.mode & 0o022) === 0;
}

/**
 * A load or attach that failed carries its error's code (probe-status.ts); a reason found
 * before trying has a code of its own (resolve.ts), never one of these.
 */
const ATTACH_FAILURES: ReadonlySet<string> = new Set(ERROR_CODES);

export class ProbeCache {
  constructor(private readonly dir = PROBE_CACHE_DIR) {}

  /** The cached answer for this key, or null. */
  read(key: string): Result<'probes'> | null {
    if (process.geteuid?.() !== 0) return null;
    let fd = -1;
    try {
      const dir = fs.lstatSync(this.dir);
      if (!dir.isDirectory() || !rootOnly(dir)) return null;
      fd = fs.openSync(path.join(this.dir, FILE), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
      const stat = fs.fstatSync(fd);
      if (!stat.isFile() || !rootOnly(stat)) return null;
      const bytes = Buffer.alloc(MAX_BYTES + 1);
      const length = fs.readSync(fd, bytes, 0, bytes.length, 0);
      if (length > MAX_BYTES) return null;
      const stored = JSON.parse(bytes.toString('utf8', 0, length)) as { key?: unknown; result?: unknown };
      if (stored.key !== key) return null;
      const parsed = resultSchemas.probes.safeParse(stored.result);
      // Every probe of this catalog, in its order: an answer from another catalog is not this one.
      const ids = parsed.data?.probes.map((p) => p.id);
      return parsed.success && JSON.stringify(ids) === JSON.stringify(CATALOG_IDS) ? parsed.data : null;
    } catch {
      return null;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /** Keeps the answer for this key, replacing any other; false (and nothing written) when it cannot. */
  write(key: string, result: Result<'probes'>): boolean {
    if (process.geteuid?.() !== 0) return false;
    const temp = path.join(this.dir, `.${FILE}.${process.pid}`);
    try {
      fs.mkdirSync(this.dir, { mode: 0o755 });
    } catch {
      // there already, or cannot be made: the checks below decide
    }
    try {
      const dir = fs.lstatSync(this.dir);
      if (!dir.isDirectory() || !rootOnly(dir)) return false;
      // A temp file of a helper that died, whose pid this one now has.
      fs.rmSync(temp, { force: true });
      const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
      try {
        fs.fchmodSync(fd, 0o644);
        fs.writeFileSync(fd, JSON.stringify({ key, result }));
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, path.join(this.dir, FILE));
      return true;
    } catch {
      try {
        fs.rmSync(temp, { force: true });
      } catch {
        // nothing more to do: the next write removes it first
      }
      return false;
    }
  }
}
