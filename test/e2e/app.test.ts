// The app end to end: Debian's Chromium, driven by playwright-core, on the
// page `bpf-lab serve` serves, with the real helper on this machine's kernel.
// Oracle workloads with known sizes go in, and the exact counts must come out
// in the table view and the trace view. Screenshots of each view are kept in
// build/test-output/e2e.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { parseLayout } from '../../src/shared/buckets.js';
import { tableRows } from '../../src/shared/table.js';
import { expectedCounts, needsRoot } from '../kernel/harness.js';
import { CONNECTION_RETRYING } from '../../src/renderer/connection-notices.js';
import { closeApp, countLiveFrames, gatedOracle, openApp, pacedWriter, screenshot, type App, type Served } from './serve.js';

let app: App | null = null;
let served: Served | null = null;
let page: Page | null = null;

before(async () => {
  if (process.getuid?.() !== 0) return;
  app = await openApp();
  ({ served, page } = app);
});

after(() => closeApp(app));

/** Picks a catalog probe, fills the start form, starts, and waits until it is attached. */
async function start(p: Page, probe: string, mode: 'Histogram' | 'Trace', pid: number): Promise<void> {
  // A test that failed may have left its session running, and a running session locks the form.
  if (await p.getByRole('button', { name: 'Stop', exact: true }).getAttribute('aria-disabled') === 'false') {
    await p.getByRole('button', { name: 'Stop', exact: true }).click();
    await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();
  }
  await p.getByTestId(`probe-${probe}`).click();
  await p.getByRole('radio', { name: mode, exact: true }).check();
  if (mode === 'Histogram') await p.getByLabel('Refresh (s)').fill('0.5');
  await p.getByLabel('PID', { exact: true }).fill(String(pid));
  await p.getByRole('button', { name: 'Start', exact: true }).click();
  await p.getByTestId('attached-probe').filter({ hasText: 'sys_enter_write' }).waitFor();
}

test('the status bar shows the helper, the kernel, the privilege mode and whose processes count', async (t) => {
  if (!needsRoot(t)) return;
  const release = spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim();
  assert.match(await page!.getByTestId('kernel-release').innerText(), new RegExp(release.replace(/[.+]/g, '\\$&')));
  assert.match(await page!.getByTestId('privilege-mode').innerText(), /root/);
  assert.equal(await page!.getByTestId('scope').innerText(), 'every process');
});

test('a histogram of an oracle workload shows the exact counts in the table view, and the chart is drawn', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  const sizes = ['0', '1x3', '64', '65x2', '128', '1000', '1024', '1025x4', '60000'];
  const oracle = gatedOracle('write', sizes);
  await start(p, 'write', 'Histogram', oracle.pid);
  assert.equal(await barPixels(p), 0, 'nothing counted yet: no bars');
  oracle.release();
  assert.equal(await oracle.exited, 0);
  const expected = expectedCounts('seed', sizes);
  const total = expected.reduce((a, b) => a + b, 0);
  await p.getByTestId('total').filter({ hasText: new RegExp(`^\\s*${total}\\s*$`) }).waitFor({ timeout: 10_000 });
  await until(async () => await barPixels(p) > 500, 'bars on the chart');
  await screenshot(p, 'histogram-chart');
  await p.getByRole('button', { name: 'Stop', exact: true }).click();
  await p.getByRole('button', { name: 'Table', exact: true }).click();
  const rows = await p.getByTestId('histogram-table').locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
  const want = tableRows(parseLayout('seed'), expected).map((r) => [r.label, String(r.count)]);
  assert.deepEqual(rows, want);
  assert.equal((await p.getByTestId('skipped').innerText()).trim(), '0');
  await screenshot(p, 'histogram-table');
});

// The page's DOM, as far as barPixels needs it (Node's types do not include the DOM).
interface Ctx2d {
  fillStyle: string;
  fillRect(x: number, y: number, w: number, h: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
interface Canvas { width: number; height: number; getContext(kind: '2d'): Ctx2d }
interface PageGlobals {
  document: { createElement(tag: 'canvas'): Canvas };
  getComputedStyle(element: unknown): { getPropertyValue(name: string): string };
}

/** Pixels of the chart canvas painted in the bar colour (the theme's --chart-bar), not axes or text. */
function barPixels(p: Page): Promise<number> {
  return p.getByTestId('histogram-chart').evaluate((element) => {
    const page = globalThis as unknown as PageGlobals;
    const canvas = element as unknown as Canvas;
    // Let the browser turn the CSS colour into RGB by painting one pixel of it.
    const swatch = page.document.createElement('canvas').getContext('2d');
    swatch.fillStyle = page.getComputedStyle(element).getPropertyValue('--chart-bar').trim();
    swatch.fillRect(0, 0, 1, 1);
    const [r, g, b] = swatch.getImageData(0, 0, 1, 1).data;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) n++;
    return n;
  });
}

test('the trace view lists the workload\'s events with comm, pid and size', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  const oracle = gatedOracle('write', ['7x5', '300']);
  await start(p, 'write', 'Trace', oracle.pid);
  oracle.release();
  assert.equal(await oracle.exited, 0);
  await p.getByTestId('trace-count').filter({ hasText: /^\s*6\s*$/ }).waitFor({ timeout: 10_000 });
  const rows = await p.getByTestId('trace-row').evaluateAll((trs) =>
    trs.map((tr) => [...tr.children].map((td) => td.textContent?.trim() ?? '')));
  assert.equal(rows.length, 6);
  for (const [time, , comm, pid] of rows) {
    assert.match(time!, /^\d+\.\d{6}$/);
    assert.equal(comm, 'oracle-static');
    assert.equal(pid, String(oracle.pid));
  }
  assert.deepEqual(rows.map((r) => r[4]).sort(), ['300', '7', '7', '7', '7', '7']);
  await p.getByLabel('Min size').fill('100');
  await p.getByTestId('trace-row').nth(1).waitFor({ state: 'detached' });
  assert.deepEqual(await p.getByTestId('trace-row').evaluateAll((trs) => trs.map((tr) => tr.children[4]?.textContent?.trim())), ['300']);
  await p.getByLabel('Min size').fill('');
  await screenshot(p, 'trace');
  await p.getByRole('button', { name: 'Stop', exact: true }).click();
  await p.getByTestId('attached-probe').filter({ hasNotText: 'sys_enter_write' }).waitFor();
});

test('at 100k events/s: frames stay at or under ~60 a second, Pause freezes the list while counting goes on, none dropped, all received', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  const frameTimes = await countLiveFrames(p);
  // Ten seconds: a busy page answers the test's polls late, so it may pause only after most of
  // several seconds' events; the rest must still hold 50,000 more for the paused count.
  const writer = pacedWriter(100_000, 10);
  await start(p, 'write', 'Trace', writer.pid);
  writer.go();
  const received = async (): Promise<number> => digits(await p.getByTestId('trace-count').innerText());
  await until(async () => await received() >= 50_000, 'the first 50,000 events');
  await p.getByRole('button', { name: 'Pause', exact: true }).click();
  const rowsText = (): Promise<string[]> => p.getByTestId('trace-row').allInnerTexts();
  const frozen = await rowsText();
  const atPause = await received();
  await until(async () => await received() >= atPause + 50_000, '50,000 more events while paused');
  assert.deepEqual(await rowsText(), frozen, 'the paused list does not move');
  await p.getByRole('button', { name: 'Resume', exact: true }).click();
  await until(async () => (await rowsText()).at(-1) !== frozen.at(-1), 'the list to jump to the newest');
  assert.equal(await writer.done, 0);
  await p.getByRole('button', { name: 'Stop', exact: true }).click();
  const final = p.getByText(/Final: [\d,]+ seen/);
  await final.waitFor();
  const seen = digits(/Final: ([\d,]+) seen/.exec(await final.innerText())![1]!);
  assert.ok(seen >= 600_000, `the kernel saw every write (${seen})`);
  const dropped = digits(await p.getByTestId('trace-dropped').innerText());
  const notReceived = digits(await p.getByTestId('trace-not-received').innerText());
  assert.equal(await received() + dropped + notReceived, seen);
  // The binary path keeps up at this rate: nothing is lost between the kernel and the page.
  assert.deepEqual([dropped, notReceived], [0, 0], 'none dropped, none not received, at 100k a second');
  // The most frames in any 1-second window.
  const frames = await frameTimes();
  // Enough frames for the bound below to mean something; the backend skips frames for a page that is behind.
  assert.ok(frames.length >= 20, `${frames.length} frames over the flood`);
  // By the backend's stamps (ms), frames come at least 17 ms apart, so at most 59 in any second.
  // Only the last may come sooner: Stop sends what is pending at once.
  const gaps = frames.slice(1, -1).map((at, i) => at - frames[i]!);
  assert.ok(Math.min(...gaps) >= 17, `a gap of ${Math.min(...gaps)} ms between frames`);
  await screenshot(p, 'trace-flood');
});

test('a live stream cut mid-trace reconnects, and what passed meanwhile counts as not received: received + dropped + not received = seen', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  const writer = pacedWriter(20_000, 5);
  await start(p, 'write', 'Trace', writer.pid);
  writer.go();
  const received = async (): Promise<number> => digits(await p.getByTestId('trace-count').innerText());
  await until(async () => await received() >= 10_000, 'the first 10,000 events');
  // Abort the page's connections to serve (the kernel resets them), as a dropped SSH tunnel would.
  const cut = spawnSync('ss', ['-K', 'state', 'established', `( dport = :${served!.port} )`], { encoding: 'utf8' });
  assert.equal(cut.status, 0, cut.stderr);
  await p.getByRole('status').filter({ hasText: CONNECTION_RETRYING }).waitFor();
  const atCut = await received();
  await until(async () => await received() > atCut, 'events again after the live stream reconnects');
  assert.equal(await writer.done, 0);
  await p.getByRole('button', { name: 'Stop', exact: true }).click();
  const final = p.getByText(/Final: [\d,]+ seen/);
  await final.waitFor();
  const seen = digits(/Final: ([\d,]+) seen/.exec(await final.innerText())![1]!);
  const dropped = digits(await p.getByTestId('trace-dropped').innerText());
  const notReceived = digits(await p.getByTestId('trace-not-received').innerText());
  assert.ok(seen >= 100_000, `the kernel saw every write (${seen})`);
  assert.ok(notReceived > 0, 'events passed while the page was away');
  assert.equal(await received() + dropped + notReceived, seen);
});

const digits = (text: string): number => Number(text.replace(/\D/g, ''));

/** Polls a condition (no fixed sleeps); fails with what it waited for. */
async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('a probe this kernel cannot attach shows its reason, and the memcpy card offers working alternatives', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  const reason = (await p.getByTestId('probe-reason-memcpy').innerText()).trim();
  assert.match(reason, /noinstr|kprobe/i);
  await p.getByTestId('probe-memcpy').click();
  const card = p.getByTestId('unavailable-card');
  await card.waitFor();
  assert.match(await card.innerText(), /\.noinstr\.text/);
  await screenshot(p, 'memcpy-card');
  const alternative = card.locator('[data-testid^="alternative-"]').first();
  const id = (await alternative.getAttribute('data-testid'))!.replace('alternative-', '');
  await alternative.click();
  await card.waitFor({ state: 'detached' });
  const chosen = p.getByTestId(`probe-${id}`);
  assert.ok(await chosen.evaluate((el) => el.getAttribute('aria-checked') === 'true' || el.getAttribute('aria-pressed') === 'true'
    || (el as unknown as { checked?: boolean }).checked === true), `${id} is selected`);
  assert.equal(await chosen.evaluate((el) => el === el.ownerDocument.activeElement), true, 'the keyboard goes on from the probe chosen');
});

test('the probe list says when the probes were tried, and Check again tries them anew', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  await p.getByTestId('probes-checked').filter({ hasText: /^Tried (at|on) .+\.$/ }).waitFor();
  await screenshot(p, 'probes-tried');
  const call = async (): Promise<{ sent: unknown; checkedAt: number }> => {
    const answered = p.waitForResponse((r) => r.url().endsWith('/api/call/lab:probes'));
    await p.getByRole('button', { name: 'Check again', exact: true }).click();
    const response = await answered;
    return { sent: response.request().postDataJSON(), checkedAt: ((await response.json()) as { value: { checkedAt: number } }).value.checkedAt };
  };
  const first = await call();
  assert.deepEqual(first.sent, { refresh: true });
  await p.getByRole('button', { name: 'Check again', exact: true }).waitFor();
  await new Promise((resolve) => setTimeout(resolve, 2100)); // a trial is reused for 2 s (PROBES_FRESH_MS)
  const second = await call();
  assert.ok(second.checkedAt > first.checkedAt, 'each Check again tries the probes anew');
  await p.getByRole('button', { name: 'Check again', exact: true }).waitFor();
  assert.equal(await p.locator(':focus').textContent(), 'Check again', 'the button keeps the focus through its check');
  assert.equal(await p.getByTestId('probe-read').isEnabled(), true);
});

test('when the helper dies the page says so, and Restart brings it back', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  const helper = spawnSync('pgrep', ['-P', String(served!.proc.pid), '-f', 'helper/main.js'], { encoding: 'utf8' }).stdout.trim();
  assert.match(helper, /^\d+$/, 'serve has one helper child');
  process.kill(Number(helper), 'SIGKILL');
  await p.getByTestId('helper-state').filter({ hasText: 'stopped' }).waitFor();
  await p.getByRole('alert').filter({ hasText: /SIGKILL/ }).first().waitFor();
  await screenshot(p, 'helper-stopped');
  await p.getByRole('button', { name: /Restart/ }).click();
  await p.getByTestId('helper-state').filter({ hasText: 'ready' }).waitFor();
});
