/**
 * What a session's maps hold right now, for the Lab's map view: each CPU's values of a per-CPU
 * array and their sum, a plain array's values, the .rodata settings field by field, and how
 * full a ring buffer is. Read through an fd of our own (by map id), closed again at once.
 */
import type { MapValues } from '../src/shared/inspect.js';
import { decodeConfig } from './bpf-config.js';
import { closeFd, libbpf, PAGE_SIZE, readMapped } from './libbpf.js';
import type { MapInfo } from './prog-info.js';
import type { ObjectName } from './bpf-object.js';
import { lookupSlots } from './percpu.js';

/** The most non-zero entries a map view lists (a linear histogram may have 4098 slots, each per CPU). */
export const MAX_ENTRIES_SHOWN = 256;

function number(view: DataView, at: number, size: number): bigint {
  return size === 8 ? view.getBigUint64(at, true) : BigInt(view.getUint32(at, true));
}

function lookup(fd: number, key: number, size: number): DataView | null {
  const k = new Uint8Array(4);
  new DataView(k.buffer).setUint32(0, key, true);
  const value = new Uint8Array(size);
  return libbpf.mapLookupElem(fd, k, value) < 0 ? null : new DataView(value.buffer);
}

/** Each non-zero entry of an array map of u32 or u64 values, per CPU for a per-CPU one. */
function arrayValues(fd: number, map: MapInfo, perCpu: boolean): MapValues {
  const cpus = perCpu ? libbpf.numPossibleCpus() : 1;
  // Per-CPU values are each rounded up to 8 bytes.
  const stride = perCpu ? Math.ceil(map.valueSize / 8) * 8 : map.valueSize;
  const entryBytes = stride * cpus;
  // One batch read of every slot, as the sessions read their counts; one lookup per key
  // only where the kernel has no batch operations.
  const batch = lookupSlots(fd, map.maxEntries, entryBytes);
  const entries: Array<{ key: number; perCpu: string[]; sum: string }> = [];
  let nonZero = 0;
  for (let key = 0; key < map.maxEntries; key++) {
    const view = batch ? new DataView(batch.buffer, key * entryBytes, entryBytes) : lookup(fd, key, entryBytes);
    if (!view) continue;
    const values = Array.from({ length: cpus }, (_, cpu) => number(view, cpu * stride, map.valueSize));
    const sum = values.reduce((a, b) => a + b, 0n);
    if (sum === 0n) continue;
    nonZero++;
    if (entries.length < MAX_ENTRIES_SHOWN) entries.push({ key, perCpu: values.map(String), sum: sum.toString() });
  }
  return { kind: 'array', perCpu, cpus, entries, nonZero };
}

/** The ring buffer's size and the bytes written but not yet read (producer minus consumer position). */
function ringValues(fd: number, map: MapInfo): MapValues {
  const consumer = readMapped(fd, 0, PAGE_SIZE);
  const producer = readMapped(fd, PAGE_SIZE, PAGE_SIZE);
  const at = (page: Uint8Array | null): bigint | null => (page ? new DataView(page.buffer).getBigUint64(0, true) : null);
  const [c, p] = [at(consumer), at(producer)];
  return { kind: 'ring', size: map.maxEntries, used: c === null || p === null ? null : Number(p - c) };
}

/** The values of one map, or null for a kind the view does not show. */
export function readMapValues(map: MapInfo, object: ObjectName): MapValues | null {
  const numeric = map.valueSize === 4 || map.valueSize === 8;
  if (!['array', 'percpu_array', 'ringbuf'].includes(map.typeName) || (map.typeName !== 'ringbuf' && !numeric && !map.name.endsWith('.rodata'))) {
    return null;
  }
  const fd = libbpf.mapGetFdById(map.id);
  if (fd < 0) return null;
  try {
    if (map.typeName === 'ringbuf') return ringValues(fd, map);
    if (map.name.endsWith('.rodata')) {
      const view = lookup(fd, 0, map.valueSize);
      return view ? { kind: 'config', fields: decodeConfig(object, new Uint8Array(view.buffer)) } : null;
    }
    return arrayValues(fd, map, map.typeName === 'percpu_array');
  } finally {
    closeFd(fd);
  }
}
