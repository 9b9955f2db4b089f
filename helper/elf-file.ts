/**
 * The file a uprobe names, opened once. The check (a regular file that starts with the ELF
 * magic) reads the descriptor it opened, and libbpf, which reads the symbol tables, and the
 * kernel, which resolves the uprobe's path in perf_event_open, are given that same descriptor as
 * /proc/self/fd/N. So a path swapped after the check (a symlink flipped to a FIFO, whose open
 * would block the helper) cannot reach them: what is checked is what is attached.
 */
import fs from 'node:fs';
import { LabError } from '../src/shared/errors.js';
import type { Reason } from '../src/shared/protocol.js';

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];
/** Linux's O_PATH (the same on x86-64 and arm64); Node's fs.constants does not name it. */
const O_PATH = 0o10000000;

/**
 * Opens `path` and checks the descriptor: a regular file that starts with the ELF magic (not a
 * text file, a sparse file, or /proc/self/mem, whose first page cannot be read). The path is
 * first opened with O_PATH, which opens no device or FIFO (opening a device can have effects of
 * its own, and a FIFO's open blocks); only once that descriptor is a regular file is the same
 * inode opened to read, through /proc/self/fd. So no stat-then-open window exists. Symlinks are
 * followed: users name libraries by their links. The caller owns the descriptor it gets.
 */
export function openElf(path: string): { fd: number } | { problem: Reason } {
  const notFile = { problem: { code: 'no-such-file', message: `${path} is not a file.` } };
  let fd: number;
  try {
    const pinned = fs.openSync(path, O_PATH);
    try {
      if (!fs.fstatSync(pinned).isFile()) return notFile;
      fd = fs.openSync(`/proc/self/fd/${pinned}`, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    } finally {
      fs.closeSync(pinned);
    }
  } catch {
    return notFile; // ENOENT, ENOTDIR, ELOOP, ENAMETOOLONG, EACCES: not a file we can probe
  }
  let keep = false;
  try {
    const opened = fs.fstatSync(fd);
    if (!opened.isFile()) return notFile;
    const head = Buffer.alloc(ELF_MAGIC.length);
    let n = 0;
    try {
      n = fs.readSync(fd, head, 0, head.length, 0);
    } catch {
      // EIO and the like: nothing there to read as a program
    }
    if (n < head.length || ELF_MAGIC.some((b, i) => head[i] !== b)) {
      return { problem: { code: 'not-elf', message: `${path} is not an ELF executable or library, so it has no functions to probe.` } };
    }
    keep = true;
    return { fd };
  } finally {
    if (!keep) fs.closeSync(fd);
  }
}

/** Why `path` cannot hold a function to probe, or null: the planning check, which keeps nothing open. */
export function elfProblem(path: string): Reason | null {
  const opened = openElf(path);
  if ('problem' in opened) return opened.problem;
  fs.closeSync(opened.fd);
  return null;
}

/**
 * Runs `attach` with the checked file as /proc/self/fd/N, held open until it returns or throws,
 * and closed then (the uprobe itself holds the file from then on). A file that fails the check
 * now, whatever it was when the plan was made, is refused with the same reason as at planning.
 */
export function withElf<T>(path: string, attach: (opened: string) => T): T {
  const opened = openElf(path);
  if ('problem' in opened) throw new LabError('bad-probe', opened.problem.message);
  try {
    return attach(`/proc/self/fd/${opened.fd}`);
  } finally {
    fs.closeSync(opened.fd);
  }
}
