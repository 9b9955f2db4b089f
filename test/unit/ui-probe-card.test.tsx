// Pins down how the probe picker explains a probe that cannot work: the list
// item shows the headline reason (src/renderer/components/ProbeItem.tsx) and
// the card shows every reason and one button per alternative
// (UnavailableCard.tsx), with the test ids the end-to-end tests use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ProbeStatus } from '../../src/shared/protocol.js';
import { headline, ProbeItem } from '../../src/renderer/components/ProbeItem.js';
import { UnavailableCard } from '../../src/renderer/components/UnavailableCard.js';
import { ProbePicker } from '../../src/renderer/components/ProbePicker.js';
import { CustomProbeForm } from '../../src/renderer/components/CustomProbeForm.js';
import { EMPTY_CUSTOM } from '../../src/renderer/custom-probe.js';

const NOINSTR = 'memcpy() sits in .noinstr.text, code the kernel must run without instrumentation, and kprobes refuse every address in it.';
const NO_KPROBES = 'This kernel was built without kprobes (CONFIG_KPROBES is off), so no kernel function can be probed.';

const memcpy: ProbeStatus = {
  id: 'memcpy', title: 'Kernel memcpy (the demo)', description: 'The demo', available: false,
  reasons: [{ code: 'noinstr', message: NOINSTR }, { code: 'no-kprobes', message: NO_KPROBES }],
  alternatives: ['usercopy', 'read'],
};
const read: ProbeStatus = {
  id: 'read', title: 'read() sizes', description: 'read', available: true,
  via: 'tracepoint syscalls:sys_enter_read, field count', reasons: [],
};
const titles = new Map([['usercopy', 'Copies to and from user space'], ['read', 'read() sizes']] as const);

function text(html: string): string {
  return html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ').trim();
}

function testIdText(html: string, id: string): string | null {
  const m = new RegExp(`<(\\w+)[^>]*data-testid="${id}"[^>]*>(.*?)</\\1>`, 's').exec(html);
  return m ? text(m[2]!) : null;
}

test('an unavailable probe in the list shows its first reason, cut to its first clause, as the headline', () => {
  const html = renderToStaticMarkup(<ProbeItem id="memcpy" status={memcpy} checked={false} onChoose={() => {}} />);
  assert.match(html, /<input[^>]*type="radio"[^>]*data-testid="probe-memcpy"/);
  assert.equal(testIdText(html, 'probe-reason-memcpy'), 'memcpy() sits in .noinstr.text.');
  assert.ok(!html.includes('without instrumentation'), 'the rest of the reason is the card\'s, not the list\'s');
  assert.ok(!html.includes('CONFIG_KPROBES'), 'the list shows one reason only');
  assert.match(text(html), /unavailable/);
});

test('a short first reason stays whole, and only its first sentence is shown', () => {
  const only = (message: string): string => headline({ ...memcpy, reasons: [{ code: 'x', message }] });
  assert.equal(only(NO_KPROBES), 'This kernel was built without kprobes (CONFIG_KPROBES is off).');
  assert.equal(only('No kprobes here. Try read.'), 'No kprobes here.');
  assert.equal(headline({ ...memcpy, reasons: [] }), 'This probe cannot attach on this kernel.');
});

test('an available probe shows how it attaches and no reason', () => {
  const html = renderToStaticMarkup(<ProbeItem id="read" status={read} checked onChoose={() => {}} />);
  assert.match(html, /data-testid="probe-read"[^>]*checked|checked[^>]*data-testid="probe-read"/);
  assert.equal(testIdText(html, 'probe-reason-read'), null);
  assert.match(text(html), /via tracepoint syscalls:sys_enter_read, field count/);
});

test('the card explains with every reason and offers each alternative', () => {
  const html = renderToStaticMarkup(<UnavailableCard probe={memcpy} titles={titles} onChoose={() => {}} />);
  assert.match(html, /data-testid="unavailable-card"/);
  const all = text(html);
  assert.ok(all.includes(NOINSTR), all);
  assert.ok(all.includes(NO_KPROBES), all);
  assert.equal(testIdText(html, 'alternative-usercopy'), 'Use usercopy — Copies to and from user space');
  assert.equal(testIdText(html, 'alternative-read'), 'Use read — read() sizes');
  assert.match(html, /<button[^>]*data-testid="alternative-read"/);
});

test('without alternatives the card says where else to look', () => {
  const vfs: ProbeStatus = { ...memcpy, id: 'vfs-read', reasons: [{ code: 'no-kprobes', message: NO_KPROBES }], alternatives: undefined };
  const html = renderToStaticMarkup(<UnavailableCard probe={vfs} titles={titles} onChoose={() => {}} />);
  assert.ok(!html.includes('data-testid="alternative-'), html);
  assert.match(text(html), /Pick another probe from the list of probes\./);
});

test('while a session runs the probe list and the custom fields are locked, its probe still shown as chosen', () => {
  const catalog = { probes: null, error: null, loading: false, recheck: () => undefined };
  const picker = (locked: boolean): string => renderToStaticMarkup(
    <ProbePicker catalog={catalog} choice={{ kind: 'catalog', id: 'read' }} onChoose={() => undefined} locked={locked} />);
  assert.match(picker(true), /<fieldset class="probe-list" disabled="">/);
  assert.match(picker(true), /<input[^>]*value="read"[^>]*checked=""|<input[^>]*checked=""[^>]*value="read"/);
  assert.match(picker(false), /<fieldset class="probe-list">/);
  const custom = (locked: boolean): string => renderToStaticMarkup(
    <CustomProbeForm value={EMPTY_CUSTOM} onChange={() => undefined} active onActivate={() => undefined} showAll={false} locked={locked} />);
  assert.match(custom(true), /<fieldset disabled="">/);
  assert.doesNotMatch(custom(false), /disabled/);
});
