/**
 * Struct layouts as the compiled BPF objects record them in BTF (read with
 * `bpftool btf dump file`), so layout tests compare the TypeScript mirrors with
 * what clang actually laid out, not with offsets copied by hand.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

interface BtfType { id: number; kind: string; name?: string; size?: number; type_id?: number; nr_elems?: number;
  members?: Array<{ name: string; type_id: number; bits_offset: number }> }

export interface Member { offset: number; size: number }
export interface Layout { size: number; members: Record<string, Member> }

/** Whether bpftool is installed; the layout tests need it (CI installs it). */
export function haveBpftool(): boolean {
  return spawnSync('bpftool', ['version']).status === 0;
}

/** Every struct in resources/bpf/NAME.bpf.o, by name, with member byte offsets and sizes. */
export function structs(object: 'hist' | 'trace' | 'calls'): Record<string, Layout> {
  const path = fileURLToPath(new URL(`../../../resources/bpf/${object}.bpf.o`, import.meta.url));
  const r = spawnSync('bpftool', ['-j', 'btf', 'dump', 'file', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bpftool btf dump failed: ${r.stderr}`);
  const types = new Map((JSON.parse(r.stdout) as { types: BtfType[] }).types.map((t) => [t.id, t]));
  const sizeOf = (id: number): number => {
    const t = types.get(id);
    if (!t) throw new Error(`BTF type ${id} missing`);
    if (t.size !== undefined) return t.size;
    // A pointer (task_struct's in kernel_types.h) is 8 bytes on the BPF target, whatever it points to.
    if (t.kind === 'PTR') return 8;
    if (t.kind === 'ARRAY') return (t.nr_elems ?? 0) * sizeOf((t as { type_id: number }).type_id);
    return sizeOf(t.type_id!);
  };
  const out: Record<string, Layout> = {};
  for (const t of types.values()) {
    if (t.kind !== 'STRUCT' || !t.name) continue;
    out[t.name] = {
      size: t.size!,
      members: Object.fromEntries(t.members!.map((m) => [m.name, { offset: m.bits_offset / 8, size: sizeOf(m.type_id) }])),
    };
  }
  return out;
}
