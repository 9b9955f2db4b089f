/**
 * The JIT view's bytes for a caller who is not root, against an independent source of truth:
 * the real image, read by program id with the test-only reader (test/workloads/jit-bytes.c) and
 * disassembled by objdump. Every call or jump that objdump shows leaving the image, every
 * movabs and every %gs: absolute access holds a kernel address or the distance to one, and
 * must reach that caller with no bytes; so must nothing else, and root keeps every byte.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, it } from 'node:test';
import { HelperClient } from '../../src/backend/helper-client.js';
import { directLaunch } from '../../src/backend/launch.js';
import { isKernelAddress } from '../../src/shared/ebpf-disasm.js';
import { JIT_BYTES_WITHHELD, type Inspection } from '../../src/shared/inspect.js';
import { callerEnv, needsRoot, ourPrograms } from './harness.js';

const JIT_BYTES = fileURLToPath(new URL('../../workloads/jit-bytes', import.meta.url));
// A user with no process on this machine (as in scope.test.ts).
const NOT_ROOT = callerEnv(54321);

interface ObjdumpInsn { offset: number; bytes: string; mnemonic: string; operands: string }

/** objdump's reading of the program's image, one instruction a line (wide enough that none wraps). */
function objdumpOf(progId: number): ObjdumpInsn[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-jit-'));
  try {
    const file = path.join(dir, 'code.bin');
    const read = spawnSync(JIT_BYTES, [String(progId), file], { encoding: 'utf8' });
    assert.equal(read.status, 0, read.stderr);
    const r = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386:x86-64', '--insn-width=16', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').flatMap((l) => {
      const m = /^\s+([0-9a-f]+):\t((?:[0-9a-f]{2} )+)\s*\t(\S+)\s*(.*)$/.exec(l);
      return m ? [{ offset: parseInt(m[1]!, 16), bytes: m[2]!.trim(), mnemonic: m[3]!, operands: m[4]!.trim() }] : [];
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A direct call or jump (jcc included) whose target, in objdump's reading, is outside the image. */
function leavesImage(i: ObjdumpInsn, length: number): boolean {
  const target = /^0x([0-9a-f]+)$/.exec(i.operands);
  return /^(call|jmp|j[a-z]+)$/.test(i.mnemonic) && target !== null && parseInt(target[1]!, 16) >= length;
}

/** objdump's instructions whose encoding holds a kernel address or the distance to one, and why. */
function holdingAddresses(code: ObjdumpInsn[], length: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const i of code) {
    if (leavesImage(i, length)) out.set(i.offset, 'out of the image');
    else if (i.mnemonic === 'movabs') out.set(i.offset, 'movabs');
    else if (/%[gf]s:(0x[0-9a-f]+|-?\d+)\b/.test(i.operands)) out.set(i.offset, 'per-CPU absolute');
    else if ((i.operands.match(/0x[0-9a-f]{16}/g) ?? []).some((h) => isKernelAddress(BigInt(h)))) out.set(i.offset, 'kernel address');
  }
  return out;
}

/** The address /proc/kallsyms gives the program's (first) function: root reads it here. */
function programAddress(tag: string): string {
  const line = fs.readFileSync('/proc/kallsyms', 'utf8').split('\n').find((l) => l.includes(` bpf_prog_${tag}_`));
  assert.ok(line, `bpf_prog_${tag}_ is in kallsyms`);
  return line.split(' ')[0]!;
}

async function inspectAs(env: Record<string, string>, mode: 'stat' | 'trace'): Promise<{ i: Inspection; code: ObjdumpInsn[] }> {
  const client = await HelperClient.start({ ...directLaunch(), env });
  try {
    const started = await client.request('start', { session: 1, mode, probe: { kind: 'catalog', id: 'read' }, intervalMs: 0 });
    const i = await client.request('inspect', { session: started.session });
    const code = objdumpOf(i.program.id);
    const own = programAddress(i.program.tag);
    // The program's own address is nowhere in what the caller gets (hex, in any case, or decimal).
    const text = JSON.stringify(i).toLowerCase();
    assert.ok(!text.includes(own.replace(/^0+/, '')), `the program's address ${own} reached the caller`);
    assert.ok(!text.includes(BigInt(`0x${own}`).toString()), 'nor in decimal');
    await client.request('stop', { session: started.session });
    return { i, code };
  } finally {
    await client.close();
  }
}

describe('the JIT view\'s bytes', () => {
  afterEach(() => assert.deepEqual(ourPrograms(), [], 'a BPF program of ours is still loaded'));

  for (const mode of ['stat', 'trace'] as const) {
    it(`a ${mode} program: a caller who is not root gets no byte of an address or a distance out of the image`, async (t) => {
      if (!needsRoot(t)) return;
      const { i, code } = await inspectAs(NOT_ROOT, mode);
      const length = i.program.jitedBytes;
      assert.deepEqual(i.jited.map((j) => j.offset), code.map((c) => c.offset), 'the same instructions as objdump');
      const holding = holdingAddresses(code, length);
      const kinds = new Set(holding.values());
      for (const k of ['out of the image', 'movabs', 'per-CPU absolute']) assert.ok(kinds.has(k), `the program has an instruction ${k}`);
      // Exactly those are blank: each of them, and nothing else, with objdump's bytes where shown.
      assert.deepEqual(i.jited.filter((j) => j.bytes === '').map((j) => [j.offset, holding.get(j.offset)]),
        [...holding].sort((a, b) => a[0] - b[0]));
      i.jited.forEach((j, n) => { if (j.bytes) assert.equal(j.bytes, code[n]!.bytes, `offset ${j.offset}`); });
      // No rel32 of a branch out of the image, and no movabs's address, shows up in any bytes shown.
      const shown = i.jited.map((j) => j.bytes).filter(Boolean);
      for (const c of code.filter((c) => holding.get(c.offset) === 'out of the image' || c.mnemonic === 'movabs')) {
        const secret = c.bytes.split(' ').slice(c.mnemonic === 'movabs' ? -8 : -4).join(' ');
        assert.ok(!shown.some((b) => b.includes(secret)), `${secret} (${c.mnemonic} at ${c.offset}) is in the bytes shown`);
      }
      // Names stay: a name is not an address.
      assert.ok(i.jited.some((j) => j.text === 'call bpf_get_current_pid_tgid' && j.bytes === ''));
      assert.ok(i.withheld.includes(JIT_BYTES_WITHHELD), i.withheld.join(' | '));
    });
  }

  it('root gets every byte, as objdump reads it', async (t) => {
    if (!needsRoot(t)) return;
    const { i, code } = await inspectAs({}, 'trace');
    assert.deepEqual(i.jited.map((j) => [j.offset, j.bytes]), code.map((c) => [c.offset, c.bytes]));
    assert.ok(!i.withheld.includes(JIT_BYTES_WITHHELD));
  });
});
