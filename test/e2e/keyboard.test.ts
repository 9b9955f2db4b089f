// The keyboard alone, at 1024×640, from a fresh page: Tab to the probes, the arrow keys to `read`
// (a radio group moves with them), Tab and Enter to start a histogram, Enter on Stop, the mode
// radios to Trace, Enter to start it, P to pause, Ctrl+Enter to stop. Where the focus is, is
// asserted after every step; the mouse is never used.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { needsRoot } from '../kernel/harness.js';
import { closeApp, openApp, screenshot, type App } from './serve.js';

let app: App | null = null;

before(async () => {
  if (process.getuid?.() !== 0) return;
  app = await openApp();
});

after(() => closeApp(app));

/** What has the focus: its test id, or its tag and name ('body' when nothing has). */
async function focused(p: Page): Promise<string> {
  const f = p.locator(':focus');
  if (await f.count() === 0) return 'body';
  return f.first().evaluate((e) => {
    const el = e as unknown as { dataset: Record<string, string | undefined>; tagName: string; textContent: string | null;
      getAttribute(n: string): string | null };
    if (el.dataset.testid) return el.dataset.testid;
    // A control: its type and value (radio:trace); anything else: its tag and name.
    if (el.tagName === 'INPUT') return `${el.getAttribute('type') ?? 'text'}:${el.getAttribute('value') ?? ''}`;
    const name = el.getAttribute('aria-label') ?? el.textContent?.trim() ?? '';
    return `${el.tagName.toLowerCase()}:${name.slice(0, 40)}`;
  });
}

/** Presses Tab (or Shift+Tab) until `want` has the focus; fails after `max` presses. Returns how many it took. */
async function tabTo(p: Page, want: string | RegExp, max = 30, back = false): Promise<number> {
  for (let n = 1; n <= max; n++) {
    await p.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const at = await focused(p);
    if (typeof want === 'string' ? at === want : want.test(at)) return n;
  }
  throw new Error(`${want} not reached in ${max} presses of ${back ? 'Shift+Tab' : 'Tab'} (focus: ${await focused(p)})`);
}

test('from a fresh page, the keyboard alone starts a histogram on read, then a trace, pauses it and stops it', async (t) => {
  if (!needsRoot(t)) return;
  const p = app!.page;
  await p.getByTestId('probe-auto').waitFor();
  // The probes come early in the Tab order: the chosen one (auto) takes the group's one stop.
  assert.ok(await tabTo(p, 'probe-auto', 6) <= 6, 'the probe list is among the first stops');
  for (let i = 0; i < 10 && await focused(p) !== 'probe-read'; i++) await p.keyboard.press('ArrowDown');
  assert.equal(await focused(p), 'probe-read');
  assert.equal(await p.getByTestId('probe-read').isChecked(), true, 'the arrow keys choose in a radio group');

  // From the probes to Start: the custom form (not chosen) is not in the way.
  const stops = await tabTo(p, 'button:Start', 12);
  assert.ok(stops <= 8, `Start is ${stops} stops after the probe list`);
  await p.keyboard.press('Enter');
  await p.getByTestId('attached-probe').filter({ hasText: 'sys_enter_read' }).waitFor();
  assert.equal(await focused(p), 'button:Stop', 'the focus moved to Stop, the button of use now');
  await p.getByTestId('total').filter({ hasText: /\d/ }).waitFor();
  await screenshot(p, 'keyboard-histogram');
  // T switches to the table and back, wherever the focus is (but a text field).
  await p.keyboard.press('t');
  await p.getByTestId('histogram-table').waitFor();
  await p.keyboard.press('t');
  await p.getByTestId('histogram-chart').waitFor();

  await p.keyboard.press('Enter');
  await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();
  assert.equal(await focused(p), 'button:Start', 'after Stop the focus is back on Start');

  // Back to the mode radios, Trace with an arrow key, and Start again.
  await tabTo(p, /^radio:(stat|trace)$/, 8, true);
  for (let i = 0; i < 4 && !(await p.getByRole('radio', { name: 'Trace', exact: true }).isChecked()); i++) await p.keyboard.press('ArrowRight');
  assert.equal(await p.getByRole('radio', { name: 'Trace', exact: true }).isChecked(), true);
  await tabTo(p, 'button:Start', 8);
  await p.keyboard.press('Enter');
  await p.getByTestId('attached-probe').filter({ hasText: 'sys_enter_read' }).waitFor();
  assert.equal(await focused(p), 'button:Stop');
  await p.getByTestId('trace-row').first().waitFor();

  // P pauses wherever the focus is; Space pauses in the focused list too.
  await p.keyboard.press('p');
  await p.getByRole('button', { name: 'Resume', exact: true }).waitFor();
  assert.equal(await focused(p), 'button:Stop', 'the shortcut does not move the focus');
  await tabTo(p, 'trace-list', 20);
  await p.keyboard.press('Space');
  await p.getByRole('button', { name: 'Pause', exact: true }).waitFor();
  await screenshot(p, 'keyboard-trace');

  // Ctrl+Enter stops from anywhere.
  await p.keyboard.press('Control+Enter');
  await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();

  // And starts from anywhere: from the probe list, which locks with the session, the focus goes to Stop, not to the page.
  await tabTo(p, 'probe-read', 40, true);
  await p.keyboard.press('Control+Enter');
  await p.getByTestId('attached-probe').filter({ hasText: 'sys_enter_read' }).waitFor();
  assert.equal(await focused(p), 'button:Stop', 'the focus left the locked probe list for Stop');
  assert.equal(await p.getByTestId('probe-write').isDisabled(), true, 'the probe list is locked while the session runs');
  await p.keyboard.press('Control+Enter');
  await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();
  assert.equal(await p.getByTestId('probe-write').isDisabled(), false, 'and free again after Stop');
});

test('at 1024×640 nothing in the picker, status bar or banner overflows its box, and a message does not move the toolbar', async (t) => {
  if (!needsRoot(t)) return;
  const p = app!.page;
  await p.getByTestId('probe-read').click();
  await p.getByRole('radio', { name: 'Histogram', exact: true }).check();
  // A message under the toolbar takes the note's place: Start stays where it is.
  const before = await p.getByRole('button', { name: 'Start', exact: true }).boundingBox();
  const box = async (): Promise<number | undefined> => (await p.locator('.main .tabs').boundingBox())?.y;
  const tabsBefore = await box();
  await p.getByLabel('PID', { exact: true }).fill('x');
  await p.getByLabel('PID', { exact: true }).blur();
  await p.locator('.run-problems').waitFor();
  assert.deepEqual(await p.getByRole('button', { name: 'Start', exact: true }).boundingBox(), before);
  assert.equal(await box(), tabsBefore, 'what is below the toolbar does not move either');
  await p.getByLabel('PID', { exact: true }).fill('');
  // auto, whose notices are one line with the reasons under Why?; the note keeps its height while it runs.
  await p.getByTestId('probe-auto').click();
  const noteHeight = async (): Promise<number | undefined> => (await p.locator('.run-form + .run-status').boundingBox())?.height;
  const idle = await noteHeight();
  await p.getByRole('button', { name: 'Start', exact: true }).click();
  await p.getByTestId('attached-probe').filter({ hasNotText: 'nothing' }).waitFor();
  assert.equal(await noteHeight(), idle, 'the note under the toolbar keeps its height when a session starts');
  await p.locator('.notice-why').waitFor();
  assert.equal(await p.locator('.notice-line').count(), 1, 'auto\'s choice in one line');
  const notices = (await p.locator('.notices').boundingBox())!;
  // One line of the notices' text, as the page lays it out.
  const lineHeight = await p.locator('.notice-line').evaluate((e) => parseFloat(
    (globalThis as unknown as { getComputedStyle: (e: unknown) => { lineHeight: string } }).getComputedStyle(e).lineHeight));
  assert.ok(notices.height < 1.5 * lineHeight, `the notices take ${notices.height} px, one line is ${lineHeight} px`);
  assert.equal(await p.locator('.notice-why').getAttribute('open'), null, 'the reasons are folded');
  const overflowing = await p.locator('.probe-id, .probe-title, .probe-line, .status-item, .session-line, .notice-line')
    .evaluateAll((els) => els.flatMap((e) => {
      const el = e as unknown as { scrollWidth: number; clientWidth: number; className: string; textContent: string | null };
      return el.scrollWidth > el.clientWidth ? [`${el.className}: ${el.textContent?.slice(0, 60)}`] : [];
    }));
  assert.deepEqual(overflowing, []);
  await screenshot(p, 'layout-1024x640');
  await p.getByRole('button', { name: 'Stop', exact: true }).click();
  await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();

  // A trace filter's error takes the note's line: the list stays where it is.
  await p.getByTestId('probe-read').click();
  await p.getByRole('radio', { name: 'Trace', exact: true }).check();
  await p.getByRole('button', { name: 'Start', exact: true }).click();
  await p.getByTestId('attached-probe').filter({ hasText: 'sys_enter_read' }).waitFor();
  const list = async (): Promise<number | undefined> => (await p.getByTestId('trace-list').boundingBox())?.y;
  const listBefore = await list();
  await p.getByLabel('Show PID').fill('x');
  await p.getByTestId('filter-problems').waitFor();
  assert.equal(await list(), listBefore, 'the filter\'s error moved the list');
  await screenshot(p, 'layout-1024x640-filter-error');
  await p.getByLabel('Show PID').fill('');
  await p.getByRole('button', { name: 'Stop', exact: true }).click();
  await p.getByTestId('attached-probe').filter({ hasText: 'nothing' }).waitFor();
  await p.getByRole('radio', { name: 'Histogram', exact: true }).check();
});
