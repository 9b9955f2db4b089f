/**
 * The built-in probes. Each lists its candidate attach points in order of
 * preference; the first that this kernel accepts is used.
 */
import { NEEDS_ROOT, type CatalogId } from '../src/shared/probes.js';
import type { Reason } from '../src/shared/protocol.js';

export type Candidate =
  | { kind: 'kprobe'; func: string; arg: number }
  | { kind: 'tracepoint'; category: string; event: string; field: string }
  | { kind: 'libc'; symbol: 'memcpy'; arg: number };

export interface CatalogEntry {
  id: Exclude<CatalogId, 'auto'>;
  title: string;
  description: string;
  candidates: Candidate[];
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'memcpy',
    title: 'Kernel memcpy (the demo)',
    description: 'A kprobe on the kernel\'s memcpy(), recording its size argument, as the learn-bpf demo did.',
    candidates: [{ kind: 'kprobe', func: 'memcpy', arg: 3 }],
  },
  {
    id: 'usercopy',
    title: 'Copies to and from user space',
    description: 'Sizes of the kernel\'s checked copies between kernel and user memory: the copies that '
      + 'read(), write() and most system calls make.',
    candidates: [
      { kind: 'kprobe', func: '__check_object_size', arg: 2 },
      { kind: 'kprobe', func: '_copy_to_user', arg: 3 },
      { kind: 'kprobe', func: '_copy_from_user', arg: 3 },
    ],
  },
  {
    id: 'libc-memcpy',
    title: 'libc memcpy (user space)',
    description: 'A uprobe on the memcpy that glibc picked for this CPU, recording its size argument. '
      + 'glibc often uses the same code for memmove, so memmove calls are counted too.',
    candidates: [{ kind: 'libc', symbol: 'memcpy', arg: 3 }],
  },
  {
    id: 'kmalloc',
    title: 'Kernel allocations',
    description: 'The kmem:kmalloc tracepoint: bytes requested from the kernel\'s allocator.',
    candidates: [{ kind: 'tracepoint', category: 'kmem', event: 'kmalloc', field: 'bytes_req' }],
  },
  {
    id: 'read',
    title: 'read() sizes',
    description: 'The syscalls:sys_enter_read tracepoint: the count asked of every read().',
    candidates: [{ kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_read', field: 'count' }],
  },
  {
    id: 'write',
    title: 'write() sizes',
    description: 'The syscalls:sys_enter_write tracepoint: the count passed to every write().',
    candidates: [{ kind: 'tracepoint', category: 'syscalls', event: 'sys_enter_write', field: 'count' }],
  },
  {
    id: 'vfs-read',
    title: 'vfs_read() sizes',
    description: 'A kprobe on the kernel\'s vfs_read(), recording its count argument.',
    candidates: [{ kind: 'kprobe', func: 'vfs_read', arg: 3 }],
  },
];

/** What `auto` tries, in order: the demo's memcpy, then its closest working stand-ins. */
export const AUTO_ORDER: readonly Exclude<CatalogId, 'auto'>[] = ['memcpy', 'usercopy', 'read'];

export function catalogEntry(id: Exclude<CatalogId, 'auto'>): CatalogEntry {
  const entry = CATALOG.find((e) => e.id === id);
  if (!entry) throw new Error(`no catalog entry ${id}`);
  return entry;
}

/**
 * The catalog probes that also fire in interrupts, where the task the kernel calls current is
 * whichever one was interrupted: the kernel's memcpy copies received packets, and kmalloc
 * allocates for them. A check of the current task's uid cannot tell whose work that is, so a
 * caller who is not root may not use them (caller.ts).
 */
export const INTERRUPT_PROBES: ReadonlySet<CatalogId> = new Set(['memcpy', 'kmalloc']);

/** Why one of INTERRUPT_PROBES is kept from a caller scoped to their own processes: the refusal and the probes answer alike. */
export function interruptProbeReason(id: CatalogId): Reason {
  return {
    code: NEEDS_ROOT,
    message: `${id} also counts work the kernel does in interrupts, which runs on whichever process was interrupted: `
      + 'other users\' network traffic could show up as yours. It needs root, or an instructor running BPF Lab for every '
      + 'process; usercopy, read and write count only your own processes\' work.',
  };
}

/** The catalog probes that attach in user space (a uprobe on libc), whose cost falls on the processes they watch. */
export const USER_SPACE_PROBES: ReadonlySet<CatalogId> = new Set(
  CATALOG.filter((e) => e.candidates.some((c) => c.kind === 'libc')).map((e) => e.id),
);
