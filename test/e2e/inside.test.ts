// The Lab end to end, in Debian's Chromium at 1024×640 on `bpf-lab serve` with the real helper:
// the Inside view of a running probe, each pane checked against an independent source (bpftool,
// the shipped C source, the oracle's exact counts), the cost beside the histogram, the classic
// BPF lesson's exact counts, and the keyboard. A screenshot of each pane goes to
// build/test-output/e2e.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { expectedCounts, needsRoot } from '../kernel/harness.js';
import { closeApp, gatedOracle, openApp, screenshot, type App } from './serve.js';

let app: App | null = null;
let page: Page | null = null;

before(async () => {
  if (process.getuid?.() !== 0) return;
  app = await openApp();
  page = app.page;
});

after(() => closeApp(app));

function bpftool<T>(args: string[]): T {
  const r = spawnSync('bpftool', ['-j', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

const SIZES = ['1x5', '64', '65x3', '700', '2000x2'];

test('Inside the probe: every pane shows the running program, as bpftool and the sources have it', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  const oracle = gatedOracle('write', SIZES);
  await p.getByTestId('probe-write').click();
  await p.getByRole('radio', { name: 'Histogram', exact: true }).check();
  await p.getByLabel('Refresh (s)').fill('0.5');
  await p.getByLabel('PID', { exact: true }).fill(String(oracle.pid));
  await p.getByRole('button', { name: 'Start', exact: true }).click();
  await p.getByTestId('attached-probe').filter({ hasText: 'sys_enter_write' }).waitFor();
  oracle.release();
  assert.equal(await oracle.exited, 0);
  const expected = expectedCounts('seed', SIZES);
  const total = expected.reduce((a, b) => a + b, 0);
  await p.getByTestId('total').filter({ hasText: new RegExp(`^\\s*${total}\\s*$`) }).waitFor({ timeout: 10_000 });
  // The cost beside the histogram, from the kernel's run counters.
  await p.getByTestId('ns-per-run').filter({ hasText: /\d+ (ns|µs)/ }).waitFor({ timeout: 10_000 });
  await screenshot(p, 'histogram-with-cost');
  await p.getByRole('button', { name: 'Table', exact: true }).click();

  await p.getByRole('tab', { name: 'Inside the probe' }).click();
  // Program: the id the page shows is a program bpftool lists, with the same type, tag and maps.
  await p.getByTestId('program-id').filter({ hasText: /^\d+$/ }).waitFor();
  const id = Number(await p.getByTestId('program-id').innerText());
  const kernel = bpftool<{ id: number; name: string; type: string; tag: string; map_ids: number[] }>(['prog', 'show', 'id', String(id)]);
  assert.equal(kernel.name, 'hist_tracepoint');
  assert.equal(await p.getByTestId('program-type').innerText(), kernel.type);
  assert.equal(await p.getByTestId('program-tag').innerText(), kernel.tag);
  assert.equal(await p.getByTestId('program-maps').innerText(), kernel.map_ids.join(', '));
  await screenshot(p, 'inside-program');

  // Source & instructions: as many instructions as bpftool dumps; picking one marks its line of C, as bpftool's line info has it.
  await p.getByRole('tab', { name: 'Source & instructions' }).click();
  const dump = bpftool<unknown[]>(['prog', 'dump', 'xlated', 'id', String(kernel.id)]);
  const rows = p.getByRole('list', { name: 'eBPF instructions as loaded' }).locator('button[data-row]');
  assert.equal(await rows.count(), dump.length);
  const linum = spawnSync('bpftool', ['prog', 'dump', 'xlated', 'id', String(kernel.id), 'linum'], { encoding: 'utf8' }).stdout;
  let line = '';
  let callLine = '';
  for (const l of linum.split('\n')) {
    const m = /\[file:(\S+) line_num:(\d+)/.exec(l);
    if (m) line = `${m[1]!.replaceAll('/./', '/')}:${m[2]}`;
    else if (/call bpf_get_current_pid_tgid/.test(l) && !callLine) callLine = line;
  }
  assert.ok(callLine, 'bpftool names the line of the helper call');
  await rows.filter({ hasText: 'call bpf_get_current_pid_tgid' }).first().click();
  const [file, number] = [callLine.slice(0, callLine.lastIndexOf(':')), Number(callLine.slice(callLine.lastIndexOf(':') + 1))];
  const text = fs.readFileSync(fileURLToPath(new URL(`../../../${file}`, import.meta.url)), 'utf8').split('\n')[number - 1]!;
  const picked = p.locator('.source-lines li.picked button');
  assert.equal(await picked.count(), 1);
  assert.equal((await picked.innerText()).trim(), text.trim());
  assert.ok(await p.locator('.xlated .listing-row.picked').count() >= 1, 'the instructions of that line are marked');
  // And back: the keyboard moves along the source lines the program uses, and their instructions follow.
  await picked.focus();
  await p.keyboard.press('ArrowDown');
  const next = (await p.locator('.source-lines li.picked button').innerText()).trim();
  assert.notEqual(next, text.trim());
  assert.ok(await p.locator('.xlated .listing-row.picked').count() >= 1);
  await screenshot(p, 'inside-source');

  // Machine code
  await p.getByRole('tab', { name: 'Machine code' }).click();
  await p.locator('.jited .listing-row').filter({ hasText: 'call bpf_get_current_pid_tgid' }).first().waitFor();
  await screenshot(p, 'inside-jit');

  // Verifier (bpftool 7.1 has no verified_insns to hold it to: the figure and the log must at least agree)
  await p.getByRole('tab', { name: 'Verifier' }).click();
  const processed = await p.getByTestId('verifier-processed').innerText();
  assert.match(await p.getByLabel('The verifier\'s log').innerText(), new RegExp(`^processed ${processed.replace(/,/g, '')} insns`, 'm'));
  await screenshot(p, 'inside-verifier');

  // bpf() calls: one BPF_MAP_CREATE per map bpftool lists for the program, and its BPF_PROG_LOAD.
  await p.getByRole('tab', { name: 'bpf() calls' }).click();
  const calls = p.locator('table.calls tbody tr');
  for (const id of kernel.map_ids) {
    const m = bpftool<{ name: string }>(['map', 'show', 'id', String(id)]);
    assert.equal(await calls.filter({ hasText: 'BPF_MAP_CREATE' }).filter({ hasText: `map_name="${m.name}"` }).count(), 1, m.name);
  }
  const load = calls.filter({ hasText: 'BPF_PROG_LOAD' }).filter({ hasText: 'prog_name="hist_tracepoint"' });
  assert.equal(await load.count(), 1);
  // The link's fds point back at the calls that made them: the program's load and the tracepoint's perf event.
  const rowOf = async (row: typeof load): Promise<string> => (await row.locator('td').first().innerText()).trim();
  const link = calls.filter({ hasText: 'BPF_LINK_CREATE' }).filter({ has: p.getByRole('button', { name: `prog_fd came from call ${await rowOf(load)}` }) });
  assert.equal(await link.count(), 1);
  const event = (await link.getByRole('button', { name: /^target_fd came from call/ }).getAttribute('aria-label'))!.replace(/\D+/g, '');
  assert.match(await calls.nth(Number(event)).innerText(), /perf_event_open\s+PERF_TYPE_TRACEPOINT/);
  // An fd field of 0 means none: it points nowhere.
  for (const row of await calls.filter({ hasText: 'btf_fd=0' }).all()) {
    assert.equal(await row.getByRole('button', { name: /^(btf_fd|prog_btf_fd) came from/ }).count(), 0);
  }
  await screenshot(p, 'inside-calls');

  // Maps: each bucket's per-CPU counts add up to the oracle's exact count, and the buckets to the total.
  await p.getByRole('tab', { name: 'Maps' }).click();
  const table = p.getByTestId('map-values-counts');
  await table.waitFor();
  const cells = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
  const sums = new Map(cells.map((c) => [Number(c[0]!.split(':')[0]), Number(c.at(-1))]));
  expected.forEach((n, key) => assert.equal(sums.get(key) ?? 0, n, `bucket ${key}`));
  assert.equal([...sums.values()].reduce((a, b) => a + b, 0), total, 'the buckets add up to the total');
  for (const c of cells) assert.equal(c.slice(1, -1).reduce((a, v) => a + Number(v), 0), Number(c.at(-1)), 'each CPU\'s count adds up to the sum');
  await screenshot(p, 'inside-maps');

  // Cost: the program ran at least once per write of the oracle (it runs for every process's writes),
  // and no more often than the kernel's count read afterwards.
  await p.getByRole('tab', { name: 'Cost' }).click();
  const runs = Number((await p.getByTestId('cost-runs').innerText()).replace(/,/g, ''));
  const after = bpftool<{ run_cnt?: number }>(['prog', 'show', 'id', String(id)]).run_cnt ?? 0;
  assert.ok(runs >= total && runs <= after, `${runs} runs for ${total} writes; bpftool counts ${after} afterwards`);
  await screenshot(p, 'inside-cost');

  // The keyboard: Home and End and the arrows move along the pane tabs.
  await p.getByRole('tab', { name: 'Cost' }).focus();
  await p.keyboard.press('Home');
  assert.equal(await p.getByRole('tab', { name: 'Program', exact: true }).getAttribute('aria-selected'), 'true');
  await p.keyboard.press('ArrowLeft');
  assert.equal(await p.getByRole('tab', { name: 'Cost' }).getAttribute('aria-selected'), 'true');
  // Back to the histogram: it kept its Table view while Inside was shown.
  await p.getByRole('tab', { name: 'Histogram', exact: true }).click();
  assert.equal(await p.getByRole('button', { name: 'Table', exact: true }).getAttribute('aria-pressed'), 'true');
  await p.getByRole('button', { name: 'Stop', exact: true }).click();
  await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();
});

test('Classic BPF: the article\'s filter runs in the kernel, with exact counts, from the keyboard', async (t) => {
  if (!needsRoot(t)) return;
  const p = page!;
  await p.getByRole('tab', { name: /^(Histogram|Trace)$/ }).first().focus();
  await p.keyboard.press('End');
  assert.equal(await p.getByRole('tab', { name: 'Classic BPF' }).getAttribute('aria-selected'), 'true');
  await p.getByLabel('IPv4 packets').fill('4');
  await p.getByLabel('IPv6 packets').fill('2');
  await p.getByLabel('IPv6 packets').press('Enter');
  const counts = p.getByTestId('lesson-counts');
  await counts.waitFor({ timeout: 10_000 });
  const rows = await counts.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  assert.deepEqual(rows, [['Seen, no filter', '8', '4', '0'], ['Accepted by the filter', '8', '0', '0'], ['Dropped by the filter', '0', '4', '0']]);
  const filter = await p.locator('.filter-list code').allInnerTexts();
  assert.deepEqual(filter, ['(000) ldh [12]', '(001) jeq #0x800 jt 2 jf 3', '(002) ret #-1', '(003) ret #0']);
  await screenshot(p, 'classic-bpf');
});
