// What `electron-vite build` must produce for the desktop app (Electron itself
// cannot start on these machines, so this is as far as the app is checked):
// the main, preload and renderer bundles, a preload a sandboxed renderer can
// load (CommonJS), the paths main uses to find them, and the page's CSP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp.js';

const out = (path: string): string => fileURLToPath(new URL(`../../../out/${path}`, import.meta.url));
const read = (path: string): string => fs.readFileSync(out(path), 'utf8');

test('main, preload and renderer bundles exist', () => {
  for (const file of ['main/index.js', 'preload/index.cjs', 'renderer/index.html']) {
    assert.ok(fs.existsSync(out(file)), `out/${file} is missing: npm run build:app`);
  }
});

test('the preload is CommonJS that needs only electron, as a sandboxed preload must be', () => {
  const preload = read('preload/index.cjs');
  assert.doesNotMatch(preload, /^\s*(import|export)\s/m);
  const required = [...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(required)], ['electron']);
  assert.match(preload, /exposeInMainWorld\("bpfLab"/);
});

test('main loads the preload and the page from where the build puts them, with the window locked down', () => {
  const main = read('main/index.js');
  assert.match(main, /\.\.\/preload\/index\.cjs/);
  assert.match(main, /\.\.\/renderer\/index\.html/);
  for (const setting of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false']) assert.ok(main.includes(setting), setting);
  assert.match(main, /requestSingleInstanceLock/);
  assert.match(main, /"web-contents-created"/);
  for (const guard of [/"will-navigate"/, /"will-attach-webview"/, /setWindowOpenHandler\(\(\) => \(\{ action: "deny" \}\)\)/]) assert.match(main, guard);
  assert.match(main, /setPermissionRequestHandler/);
});

test('the page carries the same CSP as the HTTP header, and every asset it names was built', () => {
  const html = read('renderer/index.html');
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html);
  assert.equal(meta?.[1], CONTENT_SECURITY_POLICY);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline scripts');
  const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.some((a) => a.endsWith('.js')), 'a script bundle');
  for (const asset of assets) assert.ok(fs.existsSync(out(`renderer/${asset}`)), asset);
});
