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
import { resultSchemas, type Result } from '../src/shared/protocol.js';
import { objectPath } from './bpf-object.js';

export const PROBE_CACHE_DIR = '/run/bpf-lab';
const FILE = 'probes.json';
/** Far above a real answer (a few KiB); a bigger file is not ours. */
const MAX_BYTES = 256 << 10;
const BOOT_ID = '/proc/sys/kernel/random/boot_id';
const OBJECTS = ['hist', 'trace', 'calls'] as const;

/**
 * What the answer depends on: this boot, the helper's version, the kernel as the helper sees it
 * (features, tracefs, libbpf) and the BPF objects it loads. Null when the boot cannot be told.
 */
export function probeCacheKey(version: string, kernel: Result<'probes'>['kernel']): string | null {
  let boot: string;
  try {
    boot = fs.readFileSync(BOOT_ID, 'utf8').trim();
  } catch {
    return null;
  }
  const objects = OBJECTS.map((name) => {
    try {
      const s = fs.statSync(objectPath(name));
      return [name, s.size, s.mtimeMs];
    } catch {
      return [name, null];
    }
  });
  return createHash('sha256').update(JSON.stringify({ boot, version, kernel, objects })).digest('hex');
}

/** A path we may trust as root: root owns it, and neither group nor others may write it. */
function rootOnly(stat: fs.Stats): boolean {
  return stat.uid === 0 && (stat.mode & 0o022) === 0;
}

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
      if (!stat.isFile() || !rootOnly(stat) || stat.size > MAX_BYTES) return null;
      const stored = JSON.parse(fs.readFileSync(fd, 'utf8')) as { key?: unknown; result?: unknown };
      if (stored.key !== key) return null;
      const parsed = resultSchemas.probes.safeParse(stored.result);
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }

  /** Keeps the answer for this key, replacing any other; quietly does nothing when it cannot. */
  write(key: string, result: Result<'probes'>): void {
    if (process.geteuid?.() !== 0) return;
    const temp = path.join(this.dir, `.${FILE}.${process.pid}`);
    try {
      fs.mkdirSync(this.dir, { mode: 0o755 });
    } catch {
      // there already, or cannot be made: the checks below decide
    }
    try {
      const dir = fs.lstatSync(this.dir);
      if (!dir.isDirectory() || !rootOnly(dir)) return;
      const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o644);
      try {
        fs.writeFileSync(fd, JSON.stringify({ key, result }));
      } finally {
        fs.closeSync(fd);
      }
      fs.renameSync(temp, path.join(this.dir, FILE));
    } catch {
      fs.rmSync(temp, { force: true });
    }
  }
}
