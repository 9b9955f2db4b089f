// Reading the verifier's log (src/shared/verifier-log.ts) on a real refusal, as 6.18 wrote it
// for test/workloads/rejected.bpf.c (kernel addresses and states as the kernel printed them),
// and the plain-words reasons for the common refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { processedInsns, readRejection } from '../../src/shared/verifier-log.js';

const REFUSED = `arg#0 reference type('UNKNOWN ') size cannot be determined: -22
0: R1=ctx() R10=fp0
; int rejected(void *ctx) @ rejected.bpf.c:19
0: (b7) r1 = 0                        ; R1=0
; __u32 key = 0; @ rejected.bpf.c:21
1: (63) *(u32 *)(r10 -4) = r1         ; R1=0 R10=fp0 fp-8=0000????
2: (bf) r2 = r10                      ; R2=fp0 R10=fp0
;  @ rejected.bpf.c:0
3: (07) r2 += -4                      ; R2=fp-4
; __u64 *count = bpf_map_lookup_elem(&hits, &key); @ rejected.bpf.c:22
4: (18) r1 = 0xffff88812ca33800       ; R1=map_ptr(map=hits,ks=4,vs=8)
6: (85) call bpf_map_lookup_elem#1    ; R0=map_value_or_null(id=1,map=hits,ks=4,vs=8)
; *count += 1; /* REFUSED HERE: count may be NULL */ @ rejected.bpf.c:24
7: (79) r1 = *(u64 *)(r0 +0)
R0 invalid mem access 'map_value_or_null'
processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0
`;

test('a refusal: the instruction, its line of C, the verifier\'s words and what they mean', () => {
  const r = readRejection(REFUSED);
  assert.deepEqual(r.insn, { index: 7, text: '(79) r1 = *(u64 *)(r0 +0)' });
  assert.deepEqual(r.line, { source: '*count += 1; /* REFUSED HERE: count may be NULL */', file: 'rejected.bpf.c', line: 24 });
  assert.equal(r.message, 'R0 invalid mem access \'map_value_or_null\'');
  assert.match(r.explanation!, /may be NULL/);
  assert.equal(processedInsns(REFUSED), 7);
  assert.equal(processedInsns('no totals'), null);
});

test('the common refusals in plain words', () => {
  const said = (log: string): string | null => readRejection(log).explanation;
  assert.match(said('3: (05) goto pc-1\ninfinite loop detected at insn 3\n')!, /loop forever/);
  assert.match(said('5: (85) call bpf_probe_read_user_str#114\ncannot call GPL-restricted function from non-GPL compatible program\n')!, /GPL-compatible/);
  assert.match(said('9: (61) r1 = *(u32 *)(r0 +64)\ninvalid access to map value, value_size=8 off=64 size=4\n')!, /outside a map value/);
  assert.match(said('2: (79) r2 = *(u64 *)(r10 -16)\ninvalid read from stack off -16+0 size 8\n')!, /never wrote/);
  assert.equal(said('something new the kernel says\n'), null);
  assert.equal(readRejection('something new the kernel says\n').message, 'something new the kernel says');
});
