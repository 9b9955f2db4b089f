// Pins down the keyboard shortcuts (src/renderer/shortcuts.ts): Ctrl+Enter
// starts or stops from anywhere; Space or P pause the trace list, but never
// while typing, and Space keeps its meaning on buttons and controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyAction, type KeyInput } from '../../src/renderer/shortcuts.js';

const press = (key: string, target: KeyInput['target'], mods: Partial<KeyInput> = {}): KeyInput =>
  ({ key, ctrlKey: false, metaKey: false, altKey: false, target, ...mods });
const body = { tagName: 'BODY' };
const text = { tagName: 'INPUT', type: 'text' };

test('Ctrl+Enter (or ⌘+Enter) runs, even from a text field', () => {
  assert.equal(keyAction(press('Enter', text, { ctrlKey: true }), null), 'run');
  assert.equal(keyAction(press('Enter', body, { metaKey: true }), 'trace'), 'run');
  assert.equal(keyAction(press('Enter', body), 'trace'), null);
});

test('Space and P pause only in the trace view and outside text fields', () => {
  assert.equal(keyAction(press(' ', body), 'trace'), 'pause');
  assert.equal(keyAction(press('p', body), 'trace'), 'pause');
  assert.equal(keyAction(press('P', { tagName: 'DIV' }), 'trace'), 'pause');
  assert.equal(keyAction(press('p', body), null), null, 'no trace view, no pause');
  assert.equal(keyAction(press('p', text), 'trace'), null);
  assert.equal(keyAction(press(' ', { tagName: 'TEXTAREA' }), 'trace'), null);
  assert.equal(keyAction(press('p', { tagName: 'DIV', isContentEditable: true }), 'trace'), null);
  assert.equal(keyAction(press('p', body, { ctrlKey: true }), 'trace'), null, 'Ctrl+P is the browser’s');
});

test('Space on a button or radio presses it instead; P still pauses there', () => {
  assert.equal(keyAction(press(' ', { tagName: 'BUTTON' }), 'trace'), null);
  assert.equal(keyAction(press(' ', { tagName: 'INPUT', type: 'radio' }), 'trace'), null);
  assert.equal(keyAction(press('p', { tagName: 'BUTTON' }), 'trace'), 'pause');
  assert.equal(keyAction(press('p', { tagName: 'INPUT', type: 'radio' }), 'trace'), 'pause');
});

test('Space scrolls a focused scroller (anything Tab reaches) instead; P still pauses there', () => {
  const scroller = { tagName: 'DIV', tabIndex: 0 };
  assert.equal(keyAction(press(' ', scroller), 'trace'), null);
  assert.equal(keyAction(press('p', scroller), 'trace'), 'pause');
  assert.equal(keyAction(press(' ', { tagName: 'BODY', tabIndex: -1 }), 'trace'), 'pause');
  assert.equal(keyAction(press(' ', { tagName: 'SPAN', tabIndex: -1 }), 'trace'), 'pause', 'focusable only by script');
});

test('T switches the histogram between chart and table, only while it is on screen and not while typing', () => {
  assert.equal(keyAction(press('t', body), 'histogram'), 'table');
  assert.equal(keyAction(press('T', { tagName: 'BUTTON' }), 'histogram'), 'table');
  assert.equal(keyAction(press('t', text), 'histogram'), null);
  assert.equal(keyAction(press('t', body), 'trace'), null);
  assert.equal(keyAction(press('t', body), null), null);
  assert.equal(keyAction(press('p', body), 'histogram'), null, 'no trace to pause');
});

test('Space pauses in the focused trace list, as the hint says, though the list takes the focus', () => {
  const list = { tagName: 'DIV', tabIndex: 0, dataset: { spacePauses: 'true' } };
  assert.equal(keyAction(press(' ', list), 'trace'), 'pause');
  assert.equal(keyAction(press(' ', { tagName: 'DIV', tabIndex: 0 }), 'trace'), null, 'another focusable element keeps Space');
});
