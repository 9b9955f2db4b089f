// Node's inspector never opens in the root helper: every way of starting it turns Node's
// permission model on (which keeps SIGUSR1 and --inspect from opening it) and clears
// NODE_OPTIONS, and the helper refuses to run otherwise. The kernel tests send SIGUSR1 to real
// helpers; here, the choices, the launcher's shell logic against a stand-in Node, and the check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { helperNodeArgs } from '../../src/backend/launch.js';
import { APPIMAGE_ROOT_SCRIPT } from '../../src/main/appimage-launch.js';
import { inspectorProblem } from '../../helper/no-inspector.js';

const LAUNCHER = new URL('../../../resources/helper/bpf-lab-helper', import.meta.url);
const COMMAND = new URL('../../../resources/packaging/bpf-lab', import.meta.url);
const PERMISSION = { has: () => true };

test('the permission model is --experimental-permission up to Node 23 and --permission from 24 on', () => {
  for (const v of ['20.19.0', 'v20.20.2', '22.23.5', '23.11.1']) assert.equal(helperNodeArgs(v)[0], '--experimental-permission', v);
  for (const v of ['24.0.0', 'v26.12.1', '30.1.0']) assert.equal(helperNodeArgs(v)[0], '--permission', v);
  assert.deepEqual(helperNodeArgs('22.1.0').slice(1), ['--allow-fs-read=*', '--allow-fs-write=*', '--allow-child-process',
    '--allow-addons', '--disable-warning=SecurityWarning', '--disable-warning=ExperimentalWarning']);
});

/**
 * Runs a copy of `script` with /usr/bin/node replaced by a stand-in, which answers --version
 * with `version` and otherwise prints NODE_OPTIONS (or "unset") and its arguments, a line each.
 * Returns those lines and the folder the copy ran from.
 */
function withStandInNode(script: URL, args: string[], version: string): { lines: string[]; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-lab-stand-in-'));
  try {
    const fake = path.join(dir, 'node');
    fs.writeFileSync(fake, `#!/bin/sh\nif [ "$1" = --version ]; then echo ${version}; exit 0; fi\n`
      + 'printf "NODE_OPTIONS=%s\\n" "${NODE_OPTIONS-unset}"; for a; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
    const copy = path.join(dir, path.basename(script.pathname));
    fs.writeFileSync(copy, fs.readFileSync(script, 'utf8').replaceAll('/usr/bin/node', fake), { mode: 0o755 });
    const r = spawnSync(copy, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: '--inspect' } });
    assert.equal(r.status, 0, r.stderr);
    return { lines: r.stdout.trim().split('\n'), dir };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('the launcher clears NODE_OPTIONS and gives Node exactly helperNodeArgs for its version', () => {
  for (const version of ['v20.20.2', 'v22.23.5', 'v24.22.3', 'v26.12.1']) {
    const { lines, dir } = withStandInNode(LAUNCHER, ['--verbose'], version);
    assert.deepEqual(lines, ['NODE_OPTIONS=unset', ...helperNodeArgs(version), `${dir}/build/helper/main.js`, '--verbose'], version);
  }
});

test('the packaged bpf-lab command clears NODE_OPTIONS and, as root on a Node that has it, adds --disable-sigusr1', (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('the root branch needs root');
    return;
  }
  const cases: Array<[string, string]> = [['v20.20.2', '/opt'], ['v22.13.0', '/opt'], ['v22.14.0', '--disable-sigusr1'],
    ['v23.6.1', '/opt'], ['v23.7.0', '--disable-sigusr1'], ['v24.22.3', '--disable-sigusr1'], ['v26.12.1', '--disable-sigusr1']];
  for (const [version, first] of cases) {
    const [options, arg] = withStandInNode(COMMAND, ['stat'], version).lines;
    assert.equal(options, 'NODE_OPTIONS=unset', version);
    assert.ok(arg!.startsWith(first), `${version}: ${arg}`);
  }
});

test('the AppImage root script starts its private copy through that copy\'s launcher', () => {
  assert.match(APPIMAGE_ROOT_SCRIPT, /\nexec "\$dir\/bpf-lab-helper"$/);
  assert.doesNotMatch(APPIMAGE_ROOT_SCRIPT, /main\.js/, 'never Node on main.js directly');
});

test('the helper refuses to run unless the inspector is closed for good', () => {
  assert.equal(inspectorProblem({}, [], PERMISSION, undefined), null);
  assert.match(inspectorProblem({}, [], undefined, undefined)!, /permission model is off/);
  assert.match(inspectorProblem({ NODE_OPTIONS: '--allow-inspector' }, [], PERMISSION, undefined)!, /NODE_OPTIONS is set/);
  assert.match(inspectorProblem({}, ['--inspect-port=0'], PERMISSION, undefined)!, /--inspect-port=0 would open/);
  assert.match(inspectorProblem({}, ['--allow-inspector'], PERMISSION, undefined)!, /--allow-inspector/);
  assert.match(inspectorProblem({}, [], PERMISSION, 'ws://127.0.0.1:9229/x')!, /inspector is open/);
  assert.equal(inspectorProblem({ NODE_OPTIONS: '' }, ['--permission'], PERMISSION, undefined), null);
});
