// Electron main's IPC contract (src/main/ipc-router.ts) with a recording
// stand-in for ipcMain: only our window's top frame on our page is served,
// payloads are validated, errors cross as data, and a renderer's live
// subscription ends when it unsubscribes or goes away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { LabService } from '../../src/backend/lab-service.js';
import { isTrustedSender, MAX_UNACKED_FRAMES, registerLabIpc, type IpcMainLike, type SenderEvent } from '../../src/main/ipc-router.js';
import {
  CALL_CHANNELS, FRAME_ACK_CHANNEL, LIVE_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL,
} from '../../src/shared/ipc-channels.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Envelope } from '../../src/shared/lab-api.js';
import { FakeHelper } from './fake-helper.js';

const PAGE = 'file:///opt/bpf-lab/resources/app.asar/out/renderer/index.html';
const window = { url: PAGE, webContentsId: () => 7 };

function sender(id: number, url: string | null, parent: unknown = null): SenderEvent & { sent: unknown[]; emitter: EventEmitter } {
  const emitter = new EventEmitter();
  const sent: unknown[] = [];
  return {
    sent, emitter,
    sender: { id, send: (channel, data) => sent.push([channel, data]), once: (e, l) => emitter.once(e, l) },
    senderFrame: url === null ? null : { url, parent },
  };
}

function router(): { ipc: IpcMainLike; invoke: (ch: string, e: SenderEvent, p: unknown) => Promise<Envelope>; fire: (ch: string, e: SenderEvent) => void } {
  const handlers = new Map<string, (e: SenderEvent, p: unknown) => Promise<Envelope>>();
  const listeners = new Map<string, (e: SenderEvent) => void>();
  const ipc: IpcMainLike = { handle: (c, l) => handlers.set(c, l), on: (c, l) => listeners.set(c, l) };
  return { ipc, invoke: (c, e, p) => handlers.get(c)!(e, p), fire: (c, e) => listeners.get(c)!(e) };
}

test('only our window\'s top frame showing our page is trusted', () => {
  assert.equal(isTrustedSender(sender(7, PAGE), window), true);
  assert.equal(isTrustedSender(sender(7, `${PAGE}#/trace`), window), true, 'a fragment is the same page');
  assert.equal(isTrustedSender(sender(8, PAGE), window), false, 'another webContents');
  assert.equal(isTrustedSender(sender(7, PAGE, {}), window), false, 'a subframe');
  assert.equal(isTrustedSender(sender(7, 'https://evil.example/index.html'), window), false, 'navigated away');
  assert.equal(isTrustedSender(sender(7, 'file:///tmp/index.html'), window), false, 'another file');
  assert.equal(isTrustedSender(sender(7, null), window), false, 'a frame already gone');
  assert.equal(isTrustedSender(sender(7, PAGE), { url: PAGE, webContentsId: () => null }), false, 'no window');
});

test('every call channel is registered, and an untrusted sender gets an error, not a result', async () => {
  const r = router();
  registerLabIpc(r.ipc, new LabService({ launch: { via: 'direct', command: 'x', args: [] } }), window);
  for (const channel of CALL_CHANNELS) {
    const reply = await r.invoke(channel, sender(9, PAGE), {});
    assert.deepEqual(reply, { ok: false, error: { code: 'not-authorized', message: 'IPC from an unknown sender' } }, channel);
  }
});

test('a trusted call is validated and answered with an envelope', async () => {
  const r = router();
  const helper = new FakeHelper();
  const service = new LabService({ launch: { via: 'direct', command: 'x', args: [] }, startHelper: () => Promise.resolve(helper.asClient()) });
  await service.start();
  registerLabIpc(r.ipc, service, window);
  const ok = await r.invoke('lab:status', sender(7, PAGE), {});
  assert.equal(ok.ok && (ok.value as { helper: { state: string } }).helper.state, 'ready');
  const bad = await r.invoke('lab:start', sender(7, PAGE), { mode: 'stat', probe: { kind: 'kprobe', func: 'a b', arg: 1 } });
  assert.equal(!bad.ok && bad.error.code, 'bad-request');
  assert.equal(helper.requests.length, 0, 'nothing invalid reaches the helper');
});

test('a subscription pushes live events to that renderer until it unsubscribes or is destroyed', async () => {
  const r = router();
  const helper = new FakeHelper();
  const service = new LabService({ launch: { via: 'direct', command: 'x', args: [] }, startHelper: () => Promise.resolve(helper.asClient()) });
  registerLabIpc(r.ipc, service, window);
  const ours = sender(7, PAGE);
  const stranger = sender(9, PAGE);
  r.fire(SUBSCRIBE_CHANNEL, ours);
  r.fire(SUBSCRIBE_CHANNEL, stranger);
  r.fire(SUBSCRIBE_CHANNEL, ours); // twice is once
  await service.start();
  const live = ours.sent.filter((m) => (m as unknown[])[0] === LIVE_CHANNEL);
  assert.equal(live.length, 2, 'the current status, then ready');
  assert.equal(stranger.sent.length, 0);
  r.fire(UNSUBSCRIBE_CHANNEL, ours);
  await service.handle('lab:restart', {});
  assert.equal(ours.sent.length, 2, 'nothing after unsubscribing');
  r.fire(SUBSCRIBE_CHANNEL, ours);
  assert.equal(ours.sent.length, 3, 'subscribed again: the current status');
  ours.emitter.emit('destroyed');
  await service.handle('lab:restart', {}).catch(() => undefined);
  assert.equal(ours.sent.length, 3, 'nothing after the renderer is gone');
  assert.equal(ours.emitter.listenerCount('destroyed'), 0);
});

test('a renderer that stops acknowledging frames has them skipped, and can tell how many it missed', async () => {
  const r = router();
  const helper = new FakeHelper();
  const service = new LabService({ launch: { via: 'direct', command: 'x', args: [] }, startHelper: () => Promise.resolve(helper.asClient()) });
  await service.start();
  registerLabIpc(r.ipc, service, window);
  const ours = sender(7, PAGE);
  r.fire(SUBSCRIBE_CHANNEL, ours);
  const info = await service.handle('lab:start', { mode: 'trace', probe: { kind: 'catalog', id: 'write' }, layout: 'seed', intervalMs: 2000 });
  const frames = (): Array<{ traces: Array<{ count: number; records: Uint8Array; passed: number }> }> =>
    ours.sent.map((m) => (m as [string, { type: string }])[1]).filter((e) => e.type === 'frame') as never;
  for (let i = 0; i < MAX_UNACKED_FRAMES + 5; i++) {
    helper.trace(1, 10);
    await sleep(20);
  }
  assert.equal(frames().length, MAX_UNACKED_FRAMES, 'no frame beyond the window while none is acknowledged');
  for (let i = 0; i < MAX_UNACKED_FRAMES; i++) r.fire(FRAME_ACK_CHANNEL, ours);
  helper.trace(1, 10);
  await sleep(40);
  const last = frames().at(-1)!;
  assert.equal(frames().length, MAX_UNACKED_FRAMES + 1);
  const received = frames().flatMap((f) => f.traces).reduce((n, b) => n + b.count, 0);
  assert.equal(last.traces[0]!.passed - received, 50, 'the five skipped frames are told by the next one');
  await service.handle('lab:stop', { session: info.session });
  const ended = ours.sent.map((m) => (m as [string, { type: string; passed?: number }])[1]).find((e) => e.type === 'ended');
  assert.equal(ended?.passed, (MAX_UNACKED_FRAMES + 6) * 10);
});
