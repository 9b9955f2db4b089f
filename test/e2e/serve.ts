/**
 * The end-to-end harness: the real `bpf-lab serve` (real helper, real kernel)
 * as a child, Debian's Chromium driven by playwright-core, oracle workloads
 * held at a gate until the page has attached, and screenshots kept as test
 * artifacts under build/test-output/e2e.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { GatedChild } from '../../src/cli/gated-child.js';
import { CLI, ORACLE_STATIC, ourPrograms } from '../kernel/harness.js';

export const SCREENSHOTS = 'build/test-output/e2e';
const CHROMIUM = '/usr/bin/chromium';

export interface Served {
  url: string;
  origin: string;
  token: string;
  port: number;
  proc: ChildProcessWithoutNullStreams;
  output(): string;
  /** The exit status, once it has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then the exit status. */
  stop(): Promise<number | null>;
}

/**
 * Starts `bpf-lab serve --port 0` and reads the address and token it prints; command is how
 * to run bpf-lab (by default this build's CLI under this Node).
 */
export async function startServe(command = [process.execPath, CLI]): Promise<Served> {
  const proc = spawn(command[0]!, [...command.slice(1), 'serve', '--port', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  proc.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL in 30 s:\n${out}`)), 30_000);
    const look = (): void => {
      const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/#token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout.on('data', look);
    void exited.then((code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
  const parsed = new URL(url);
  return {
    url, origin: parsed.origin, token: new URLSearchParams(parsed.hash.slice(1)).get('token')!, port: Number(parsed.port), proc,
    output: () => out,
    exited,
    stop: () => {
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

/** Chromium headed under xvfb-run when there is a display (as CI runs it), headless otherwise. */
export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: !process.env.DISPLAY,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/${name}.png` });
}

const oracles = new Set<{ kill(): void }>();

/** An oracle workload held at the CLI's own gate (GatedChild), so the page can attach to its pid before its first call. */
export function gatedOracle(mode: string, sizes: string[]): GatedChild {
  const child = new GatedChild([ORACLE_STATIC, mode, ...sizes]);
  oracles.add(child);
  void child.exited.then(() => oracles.delete(child));
  return child;
}

/** A steady-rate write() workload (paced-writes.ts), gated like the oracle: nothing is written before go(). */
export function pacedWriter(rate: number, seconds: number): { pid: number; go: () => void; done: Promise<number | null> } {
  const script = fileURLToPath(new URL('./paced-writes.js', import.meta.url));
  const proc = spawn(process.execPath, [script, String(rate), String(seconds)], { stdio: ['pipe', 'ignore', 'inherit'] });
  const entry = { kill: () => proc.kill('SIGKILL') };
  oracles.add(entry);
  proc.on('close', () => oracles.delete(entry));
  return { pid: proc.pid!, go: () => proc.stdin.write('go\n'), done: new Promise((r) => proc.on('close', (code) => r(code))) };
}

/** The app as a test suite uses it: serve, Chromium, one page at 1024×640 with the helper ready, and its uncaught errors. */
export interface App {
  served: Served;
  browser: Browser;
  page: Page;
  pageErrors: string[];
}

/** Starts serve and Chromium, and opens the app in a 1024×640 page; resolves once the helper is ready. */
export async function openApp(): Promise<App> {
  const served = await startServe();
  const browser = await launchChromium();
  // A context of its own (not browser.newPage's), which axe-core's runner needs to open its helper page.
  const page = await (await browser.newContext({ viewport: { width: 1024, height: 640 } })).newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(served.url);
  await page.getByTestId('helper-state').filter({ hasText: 'ready' }).waitFor();
  return { served, browser, page, pageErrors };
}

/**
 * Ends a suite: kills oracles left at their gate, then checks that the page threw nothing, that
 * serve exits cleanly, and that none of our BPF programs is left loaded.
 */
export async function closeApp(app: App | null): Promise<void> {
  killOracles();
  if (!app) return;
  assert.deepEqual(app.pageErrors, [], 'no uncaught errors in the page');
  await app.browser.close();
  assert.equal(await app.served.stop(), 0, app.served.output());
  assert.deepEqual(ourPrograms(), [], 'every BPF program is gone after serve exits');
}

/** Kills the oracles a failed test left waiting at their gate, so the test process can end. */
export function killOracles(): void {
  for (const oracle of oracles) oracle.kill();
}

/**
 * Counts the live frames that reach the page, at the page's end of the stream: an init script
 * wraps the page's fetch of /api/live and, for each `frame` event's JSON frame that carries trace
 * batches (live-wire.ts framing), notes the time the backend sent it (the batches' `at`), without
 * changing what the app reads. The backend's own stamps, not the page's clock: a busy page runs
 * its script late and then several frames at once, which says nothing of how often they were
 * sent. The page is reloaded so the script runs first. Returns a reader of the times, in ms.
 */
export async function countLiveFrames(page: Page): Promise<() => Promise<number[]>> {
  await page.addInitScript(() => {
    // The page's globals (this runs in the page, not in Node).
    const page = globalThis as unknown as { fetch: typeof fetch; liveFrameTimes: number[] };
    const times: number[] = [];
    page.liveFrameTimes = times;
    const fetched = page.fetch.bind(globalThis);
    page.fetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
      const response = await fetched(input, init);
      if (String(input) !== '/api/live' || !response.body) return response;
      let held = new Uint8Array(0);
      const watch = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, out) {
          out.enqueue(chunk);
          const joined = new Uint8Array(held.length + chunk.length);
          joined.set(held);
          joined.set(chunk, held.length);
          let at = 0;
          while (joined.length - at >= 4) {
            const word = new DataView(joined.buffer, at).getUint32(0);
            const length = word & 0x7fffffff;
            if (joined.length - at < 4 + length) break;
            const json = (word & 0x80000000) === 0;
            if (json && new TextDecoder().decode(joined.subarray(at + 4, at + 4 + 16)) === '{"type":"frame",') {
              const frame = JSON.parse(new TextDecoder().decode(joined.subarray(at + 4, at + 4 + length))) as { traces: Array<{ at: number }> };
              if (frame.traces.length > 0) times.push(frame.traces[0]!.at);
            }
            at += 4 + length;
          }
          held = joined.slice(at);
        },
      });
      return new Response(response.body.pipeThrough(watch), { status: response.status, headers: response.headers });
    };
  });
  await page.reload();
  await page.getByTestId('helper-state').filter({ hasText: 'ready' }).waitFor();
  return () => page.evaluate(() => (globalThis as unknown as { liveFrameTimes: number[] }).liveFrameTimes.slice());
}
