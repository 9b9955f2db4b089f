// Accessibility, end to end: axe-core (through @axe-core/playwright) in Debian's Chromium on
// every view of the app, at 1280×800 and at 1024×640, with the real helper: the probe picker,
// the memcpy card, the custom form with its errors, a start that fails, the histogram as chart
// and as table, the trace, each pane of Inside the probe, Classic BPF, and the status bar after
// the helper died. Zero violations, with no rule switched off. A screenshot of each view at each
// size goes to build/test-output/e2e (a11y-WIDTHxHEIGHT-VIEW.png).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { needsRoot } from '../kernel/harness.js';
import { closeApp, openApp, screenshot, type App } from './serve.js';

let app: App | null = null;

before(async () => {
  if (process.getuid?.() !== 0) return;
  app = await openApp();
});

after(() => closeApp(app));

const SIZES = [[1280, 800], [1024, 640]] as const;

/** Runs axe on the page as it is; returns one line per violation (rule, impact, what it says, where). */
async function violations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

for (const [width, height] of SIZES) {
  test(`axe finds nothing on any view at ${width}×${height}`, async (t) => {
    if (!needsRoot(t)) return;
    // A page of its own at this size (resizing a headed window under Xvfb leaves the page out of step).
    const context = await app!.browser.newContext({ viewport: { width, height } });
    const p = await context.newPage();
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(app!.served.url);
    await p.getByTestId('helper-state').filter({ hasText: 'ready' }).waitFor();
    const found: string[] = [];
    // The screenshot first: axe scrolls elements into view to measure their contrast.
    const check = async (view: string): Promise<void> => {
      await screenshot(p, `a11y-${width}x${height}-${view}`);
      for (const v of await violations(p)) found.push(`${view}: ${v}`);
    };

    await p.getByTestId('probe-read').waitFor();
    await check('picker');
    await p.getByTestId('probe-memcpy').click();
    await p.getByTestId('unavailable-card').waitFor(); // memcpy cannot work on x86-64 since 5.8 (.noinstr.text)
    await check('memcpy-card');
    // The custom form, with every error shown (Start pressed with empty fields).
    await p.getByTestId('probe-custom').click();
    await p.getByRole('button', { name: 'Start', exact: true }).click();
    await check('custom-errors');
    // A start the kernel refuses: a tracepoint that does not exist.
    await p.getByLabel('Kind').selectOption('tracepoint');
    await p.getByLabel('Category').fill('syscalls');
    await p.getByLabel('Event').fill('sys_enter_no_such_call');
    await p.getByLabel('Field').fill('count');
    await p.getByRole('button', { name: 'Start', exact: true }).click();
    await p.getByRole('alert').filter({ hasText: /no_such_call/ }).first().waitFor();
    await check('start-error');

    // A histogram, as chart and as table.
    await p.getByTestId('probe-read').click();
    await p.getByRole('radio', { name: 'Histogram', exact: true }).check();
    await p.getByLabel('Refresh (s)').fill('0.5');
    await p.getByRole('button', { name: 'Start', exact: true }).click();
    await p.getByTestId('attached-probe').filter({ hasText: 'sys_enter_read' }).waitFor();
    await p.getByTestId('rate').filter({ hasText: /\d/ }).waitFor({ timeout: 10_000 });
    await check('histogram-chart');
    await p.getByRole('button', { name: 'Table', exact: true }).click();
    await check('histogram-table');
    await p.getByRole('button', { name: 'Chart', exact: true }).click();

    // Each pane of Inside the probe, then Classic BPF with a result.
    await p.getByRole('tab', { name: 'Inside the probe' }).click();
    await p.getByTestId('program-id').filter({ hasText: /^\d+$/ }).waitFor();
    for (const pane of ['Program', 'Source & instructions', 'Machine code', 'Verifier', 'bpf() calls', 'Maps', 'Cost']) {
      await p.getByRole('tab', { name: pane, exact: true }).click();
      await check(`inside-${pane.toLowerCase().replace(/[^a-z]+/g, '-').replace(/-$/, '')}`);
    }
    await p.getByRole('tab', { name: 'Classic BPF' }).click();
    await p.getByRole('button', { name: /^(Run the filter|Run again)$/ }).click();
    await p.getByTestId('lesson-counts').waitFor({ timeout: 10_000 });
    await check('classic-bpf');
    await p.getByRole('tab', { name: /^(Histogram|Trace)$/ }).click();
    await p.getByRole('button', { name: 'Stop', exact: true }).click();
    await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();

    // A trace.
    await p.getByRole('radio', { name: 'Trace', exact: true }).check();
    await p.getByRole('button', { name: 'Start', exact: true }).click();
    await p.getByTestId('attached-probe').filter({ hasText: 'sys_enter_read' }).waitFor();
    await check('trace');
    await p.getByRole('button', { name: 'Stop', exact: true }).click();
    await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();

    // The helper killed from outside: the status bar says so and offers Restart.
    const helper = spawnSync('pgrep', ['-P', String(app!.served.proc.pid), '-f', 'helper/main.js'], { encoding: 'utf8' }).stdout.trim();
    assert.match(helper, /^\d+$/, 'the helper runs as serve\'s child');
    process.kill(Number(helper), 'SIGKILL');
    await p.getByTestId('helper-state').filter({ hasText: 'stopped' }).waitFor();
    await check('helper-stopped');
    await p.getByRole('button', { name: 'Restart', exact: true }).click();
    await p.getByTestId('helper-state').filter({ hasText: 'ready' }).waitFor({ timeout: 30_000 });

    await context.close();
    assert.deepEqual(errors, [], 'no uncaught errors in the page');
    assert.deepEqual(found, [], found.join('\n'));
  });
}
