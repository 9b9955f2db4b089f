/**
 * Is the page still responsive while 100k trace events a second stream in?
 * Runs `bpf-lab serve`, opens the page in Debian's Chromium, and traces a
 * paced write() workload. In the page it measures animation frames per
 * second and event-loop lag (a 50 ms timer's lateness), idle and under load,
 * and how many events a second reach it. Side by side, bpftrace prints the
 * same events (one printf per write) for the same workload. Reported as
 * ratios: load/idle for the page, and events delivered bpf-lab/bpftrace.
 *
 *   sudo node build/bench/ui-flood.js [RATE=100000] [SECONDS=8]
 *
 * Needs root, bpftrace, chromium, and npm run build && npm run build:app.
 */
import { spawn } from 'node:child_process';
import type { Page } from 'playwright-core';
import { launchChromium, pacedWriter, startServe } from '../test/e2e/serve.js';

const RATE = Number(process.argv[2] ?? 100_000);
const SECONDS = Number(process.argv[3] ?? 8);

interface Responsiveness { fps: number; lagP50: number; lagP99: number; longTasks: number; longestMs: number }

/** Frames per second and timer lateness in the page over `ms` milliseconds. */
function measure(page: Page, ms: number): Promise<Responsiveness> {
  return page.evaluate((duration) => new Promise<Responsiveness>((resolve) => {
    // This function runs in the page; Node's types do not know the DOM.
    const raf = (globalThis as unknown as { requestAnimationFrame(cb: () => void): number }).requestAnimationFrame.bind(globalThis);
    let frames = 0;
    const lags: number[] = [];
    // Long tasks: anything that held the page's main thread over 50 ms.
    const long: number[] = [];
    const Observer = (globalThis as unknown as { PerformanceObserver: new (cb: (list: { getEntries(): Array<{ duration: number }> }) => void) => { observe(o: object): void; disconnect(): void } }).PerformanceObserver;
    const observer = new Observer((list) => { for (const e of list.getEntries()) long.push(e.duration); });
    observer.observe({ type: 'longtask' });
    const t0 = performance.now();
    const frame = (): void => {
      frames++;
      if (performance.now() - t0 < duration) raf(frame);
    };
    raf(frame);
    let expected = performance.now() + 50;
    const timer = setInterval(() => {
      const now = performance.now();
      lags.push(Math.max(0, now - expected));
      expected = now + 50;
      if (now - t0 >= duration) {
        clearInterval(timer);
        observer.disconnect();
        lags.sort((a, b) => a - b);
        resolve({
          longTasks: long.length, longestMs: Math.max(0, ...long),
          fps: frames / (duration / 1000),
          lagP50: lags[Math.floor(lags.length / 2)] ?? 0,
          lagP99: lags[Math.floor(lags.length * 0.99)] ?? 0,
        });
      }
    }, 50);
  }), ms);
}

async function bpfLab(): Promise<{ idle: Responsiveness; load: Responsiveness; delivered: number; seen: number; lost: number; received: number }> {
  const served = await startServe();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(served.url);
    await page.getByTestId('helper-state').filter({ hasText: 'ready' }).waitFor();
    const idle = await measure(page, 3000);
    const w = pacedWriter(RATE, SECONDS);
    await page.getByTestId('probe-write').click();
    await page.getByRole('radio', { name: 'Trace', exact: true }).check();
    await page.getByLabel('PID', { exact: true }).fill(String(w.pid));
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByTestId('attached-probe').filter({ hasText: 'sys_enter_write' }).waitFor();
    w.go();
    await new Promise((r) => setTimeout(r, 1000));
    const count = async (): Promise<number> => Number((await page.getByTestId('trace-count').innerText()).replace(/\D/g, ''));
    const before = await count();
    const t0 = Date.now();
    const load = await measure(page, (SECONDS - 3) * 1000);
    const delivered = (await count() - before) / ((Date.now() - t0) / 1000);
    await w.done;
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const final = page.getByText(/Final: [\d,]+ seen/);
    await final.waitFor();
    const digits = (text: string): number => Number(text.replace(/\D/g, ''));
    const seen = digits(/Final: ([\d,]+) seen/.exec(await final.innerText())![1]!);
    const lost = digits(await page.getByTestId('trace-dropped').innerText()) + digits(await page.getByTestId('trace-not-received').innerText());
    return { idle, load, delivered, seen, lost, received: await count() };
  } finally {
    await browser.close();
    await served.stop();
  }
}

/** Events a second bpftrace prints for the same workload, over the same middle window. */
async function bpftrace(): Promise<number> {
  const w = pacedWriter(RATE, SECONDS);
  const tracer = spawn('bpftrace', ['-e', `tracepoint:syscalls:sys_enter_write /pid == ${w.pid}/ { printf("%d %d\\n", pid, args->count); }`],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0;
  let attached = false;
  tracer.stdout.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (text.includes('Attaching')) attached = true;
    lines += text.split('\n').length - 1;
  });
  while (!attached) await new Promise((r) => setTimeout(r, 50));
  w.go();
  await new Promise((r) => setTimeout(r, 1000));
  const before = lines;
  const t0 = Date.now();
  await new Promise((r) => setTimeout(r, (SECONDS - 3) * 1000));
  const rate = (lines - before) / ((Date.now() - t0) / 1000);
  await w.done;
  tracer.kill('SIGINT');
  return rate;
}

const ours = await bpfLab();
const peer = await bpftrace();
const f = (n: number): string => n.toFixed(1);
console.log(`offered: ${RATE} writes/s for ${SECONDS} s`);
console.log(`page idle: ${f(ours.idle.fps)} fps, timer lag p50 ${f(ours.idle.lagP50)} ms, p99 ${f(ours.idle.lagP99)} ms`);
console.log(`page load: ${f(ours.load.fps)} fps, timer lag p50 ${f(ours.load.lagP50)} ms, p99 ${f(ours.load.lagP99)} ms`);
console.log(`fps ratio load/idle: ${(ours.load.fps / ours.idle.fps).toFixed(2)}`);
console.log(`long tasks under load: ${ours.load.longTasks}, the longest ${f(ours.load.longestMs)} ms`);
console.log(`whole session: ${ours.seen} seen by the kernel, ${ours.received} received by the page, ${ours.lost} dropped or not received`);
console.log(`delivered: bpf-lab page ${Math.round(ours.delivered)}/s, bpftrace ${Math.round(peer)}/s, ratio ${(ours.delivered / peer).toFixed(2)}`);
