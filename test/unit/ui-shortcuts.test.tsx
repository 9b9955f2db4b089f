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
  assert.equal(keyAction(press('Enter', text, { ctrlKey: true }), false), 'run');
  assert.equal(keyAction(press('Enter', body, { metaKey: true }), true), 'run');
  assert.equal(keyAction(press('Enter', body), true), null);
});

test('Space and P pause only in the trace view and outside text fields', () => {
  assert.equal(keyAction(press(' ', body), true), 'pause');
  assert.equal(keyAction(press('p', body), true), 'pause');
  assert.equal(keyAction(press('P', { tagName: 'DIV' }), true), 'pause');
  assert.equal(keyAction(press('p', body), false), null, 'no trace view, no pause');
  assert.equal(keyAction(press('p', text), true), null);
  assert.equal(keyAction(press(' ', { tagName: 'TEXTAREA' }), true), null);
  assert.equal(keyAction(press('p', { tagName: 'DIV', isContentEditable: true }), true), null);
  assert.equal(keyAction(press('p', body, { ctrlKey: true }), true), null, 'Ctrl+P is the browser’s');
});

test('Space on a button or radio presses it instead; P still pauses there', () => {
  assert.equal(keyAction(press(' ', { tagName: 'BUTTON' }), true), null);
  assert.equal(keyAction(press(' ', { tagName: 'INPUT', type: 'radio' }), true), null);
  assert.equal(keyAction(press('p', { tagName: 'BUTTON' }), true), 'pause');
  assert.equal(keyAction(press('p', { tagName: 'INPUT', type: 'radio' }), true), 'pause');
});

test('Space scrolls a focused scroller (anything Tab reaches) instead; P still pauses there', () => {
  const scroller = { tagName: 'DIV', tabIndex: 0 };
  assert.equal(keyAction(press(' ', scroller), true), null);
  assert.equal(keyAction(press('p', scroller), true), 'pause');
  assert.equal(keyAction(press(' ', { tagName: 'BODY', tabIndex: -1 }), true), 'pause');
  assert.equal(keyAction(press(' ', { tagName: 'SPAN', tabIndex: -1 }), true), 'pause', 'focusable only by script');
});
