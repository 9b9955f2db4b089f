/**
 * Run as an unprivileged user by pkexec.test.ts: runs pkexec and the students' launcher itself
 * (not through HelperClient, which clears these names), with PKEXEC_UID=0 and
 * BPF_LAB_SCOPE=system forged in pkexec's environment, asks for hello and a start on pid 1 (root's),
 * and prints one JSON line of the replies. pkexec clears the environment and sets PKEXEC_UID
 * itself, so neither forged name may reach the helper.
 *
 *   node pkexec-forged.js LAUNCHER
 */
import { spawn } from 'node:child_process';
import { PKEXEC } from '../../src/backend/launch.js';
import { encodeFrame, FrameDecoder } from '../../src/shared/framing.js';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.js';

const child = spawn(PKEXEC, [process.argv[2]!], {
  stdio: ['pipe', 'pipe', 'inherit'],
  env: { ...process.env, PKEXEC_UID: '0', BPF_LAB_SCOPE: 'system' },
});
const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
const decoder = new FrameDecoder(1 << 20);
const replies: unknown[] = [];
const done = new Promise<void>((resolve) => {
  child.stdout.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) if (frame.ok && 'message' in frame) replies.push(frame.message);
    if (replies.length >= 2) resolve();
  });
  void exited.then(() => resolve());
});
child.stdin.write(encodeFrame({ v: PROTOCOL_VERSION, id: 1, method: 'hello', params: {} }));
child.stdin.write(encodeFrame({
  v: PROTOCOL_VERSION, id: 2, method: 'start', params: { session: 1, mode: 'stat', probe: { kind: 'catalog', id: 'write' }, intervalMs: 0, pid: 1 },
}));
await done;
child.stdin.end();
const status = await exited;
process.stdout.write(`${JSON.stringify({ replies, status })}\n`);
