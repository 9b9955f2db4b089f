// The RPM, built with electron-builder (fpm replaced by rpmbuild, Electron by
// a placeholder; see package-build.ts) and inspected with rpm itself: where every
// file goes and who owns it, the dependencies, the scripts, the polkit policy
// and its launcher path, a desktop entry that desktop-file-validate accepts,
// and a helper inside that really starts and speaks the protocol.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HelperClient } from '../../src/backend/helper-client.js';
import { PROTOCOL_VERSION } from '../../src/shared/protocol.js';
import { INSTALLED_LAUNCHER, INSTALLED_SYSTEM_LAUNCHER } from '../../src/backend/launch.js';
import { expectedCounts, finalHistogram, needsRoot, ORACLE_STATIC } from '../kernel/harness.js';
import { buildPackage, extractRpm, PLACEHOLDER_TEXT, rpmQuery, type BuiltPackage } from './package-build.js';

let built: BuiltPackage | null = null;
let root = '';

before(() => {
  if (process.getuid?.() !== 0) return;
  built = buildPackage('rpm');
  root = path.join(built.work, 'payload');
  extractRpm(built.file, root);
});

after(() => {
  if (built) fs.rmSync(built.work, { recursive: true, force: true });
});

interface Entry { mode: string; owner: string; group: string; path: string }

function entries(): Entry[] {
  return rpmQuery(built!.file, '-lv').trim().split('\n').map((line) => {
    const f = line.split(/\s+/);
    return { mode: f[0]!, owner: f[2]!, group: f[3]!, path: f.slice(8).join(' ') };
  });
}

test('everything installs under /opt/bpf-lab or system folders, owned by root, writable by root only', (t) => {
  if (!needsRoot(t)) return;
  const all = entries();
  for (const e of all) {
    assert.ok(e.path.startsWith('/opt/bpf-lab') || e.path.startsWith('/usr/share/') || e.path === '/usr/bin/bpf-lab', e.path);
    assert.deepEqual([e.owner, e.group], ['root', 'root'], e.path);
    assert.doesNotMatch(e.mode.slice(4), /w/, `${e.path} is ${e.mode}`);
  }
  const paths = new Set(all.map((e) => e.path));
  for (const p of ['/opt/bpf-lab/bpf-lab-app', '/opt/bpf-lab/resources/app.asar', INSTALLED_LAUNCHER,
    '/opt/bpf-lab/resources/helper/build/helper/main.js', '/opt/bpf-lab/resources/helper/resources/bpf/hist.bpf.o',
    '/opt/bpf-lab/resources/helper/resources/bpf/trace.bpf.o', '/opt/bpf-lab/resources/helper/node_modules/koffi/package.json',
    '/usr/share/polkit-1/actions/io.github.bpflab.policy', '/usr/share/applications/bpf-lab-app.desktop',
    '/usr/share/doc/bpf-lab/50-bpf-lab-group.rules', INSTALLED_SYSTEM_LAUNCHER, '/usr/share/doc/bpf-lab/50-bpf-lab-instructors.rules']) {
    assert.ok(paths.has(p), `${p} is in the package`);
  }
  for (const size of [16, 32, 48, 64, 128, 256, 512]) assert.ok(paths.has(`/usr/share/icons/hicolor/${size}x${size}/apps/bpf-lab-app.png`));
  assert.equal(all.find((e) => e.path === INSTALLED_LAUNCHER)?.mode, '-rwxr-xr-x');
  assert.equal(all.find((e) => e.path === INSTALLED_SYSTEM_LAUNCHER)?.mode, '-rwxr-xr-x', 'the instructors\' launcher');
  assert.equal(all.find((e) => e.path === '/usr/bin/bpf-lab')?.mode, '-rwxr-xr-x', 'the bpf-lab command');
  assert.equal(all.find((e) => e.path === '/usr/share/doc/bpf-lab')?.mode, 'drwxr-xr-x', 'it owns its doc folder, so removal removes it');
  assert.ok(!all.some((e) => e.path === '/usr/share/doc' || e.path === '/usr/share/polkit-1/actions'), 'but not shared system folders');
  assert.ok(![...paths].some((p) => p.includes('app.asar/') || p.includes('app.asar.unpacked')), 'the helper is outside the asar');
});

test('it declares its runtime dependencies: libbpf.so.1, polkit, the /usr/bin/node the launcher runs, and Electron\'s libraries', (t) => {
  if (!needsRoot(t)) return;
  const requires = rpmQuery(built!.file, '-R').split('\n').map((l) => l.trim());
  for (const dep of ['libbpf.so.1()(64bit)', 'polkit', 'nodejs >= 20.19', '/usr/bin/node', 'gtk3', 'nss']) assert.ok(requires.includes(dep), dep);
  const info = rpmQuery(built!.file, '-i');
  assert.match(info, /^Name\s+: bpf-lab$/m);
  assert.match(info, /^License\s+: GPL-2\.0-only$/m);
  const scripts = rpmQuery(built!.file, '--scripts');
  assert.match(scripts, /postinstall scriptlet \(using \/bin\/bash\):[\s\S]*ln -sf '\/opt\/bpf-lab\/bpf-lab-app' '\/usr\/bin\/bpf-lab-app'/);
  // An upgrade runs the old package's %postun after the new %post: it must leave the links alone.
  assert.match(scripts, /postuninstall scriptlet \(using \/bin\/bash\):\n# The packages' after-remove script[\s\S]*0\|remove\|purge\) ;;\n *\*\) exit 0 ;;/);
});

test('the policy in the package is the project\'s, naming the packaged launcher', (t) => {
  if (!needsRoot(t)) return;
  const packaged = fs.readFileSync(path.join(root, 'usr/share/polkit-1/actions/io.github.bpflab.policy'), 'utf8');
  assert.equal(packaged, fs.readFileSync('resources/polkit/io.github.bpflab.policy', 'utf8'));
  assert.match(packaged, new RegExp(`"org.freedesktop.policykit.exec.path">${INSTALLED_LAUNCHER}<`));
  assert.ok(fs.existsSync(path.join(root, INSTALLED_LAUNCHER)));
});

test('the desktop entry passes desktop-file-validate and lists Development, System and Education', (t) => {
  if (!needsRoot(t)) return;
  const file = path.join(root, 'usr/share/applications/bpf-lab-app.desktop');
  const r = spawnSync('desktop-file-validate', [file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const entry = fs.readFileSync(file, 'utf8');
  assert.match(entry, /^Categories=Development;System;Education;$/m);
  assert.match(entry, /^Exec=\/opt\/bpf-lab\/bpf-lab-app %U$/m);
  assert.match(entry, /^Icon=bpf-lab-app$/m);
});

test('the packaged helper is complete: it starts as root from the package\'s tree and says hello', async (t) => {
  if (!needsRoot(t)) return;
  const client = await HelperClient.start({ via: 'direct', command: path.join(root, INSTALLED_LAUNCHER), args: [] });
  assert.equal(client.info?.protocol, PROTOCOL_VERSION);
  const probes = await client.request('probes', {});
  assert.ok(probes.probes.some((p) => p.id === 'write' && p.available));
  assert.equal(await client.close(), 0);
});

test('the packaged bpf-lab command is complete: from the package\'s tree it gives a workload\'s exact histogram', (t) => {
  if (!needsRoot(t)) return;
  const script = fs.readFileSync(path.join(root, 'usr/bin/bpf-lab'), 'utf8');
  assert.match(script, /^exec \/usr\/bin\/node \$sigusr1 \/opt\/bpf-lab\/resources\/helper\/build\/src\/cli\/main\.js "\$@"$/m);
  const sizes = ['3', '64x2', '5000'];
  const r = spawnSync(process.execPath, [path.join(root, 'opt/bpf-lab/resources/helper/build/src/cli/main.js'),
    'stat', '--probe', 'write', '--json', '--', ORACLE_STATIC, 'write', ...sizes], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(finalHistogram(r.stdout).buckets.map((b) => b.count), expectedCounts('seed', sizes));
});

test('this build\'s Electron is a placeholder that says so, and nothing pretends otherwise', (t) => {
  if (!needsRoot(t)) return;
  const r = spawnSync(path.join(root, 'opt/bpf-lab/bpf-lab-app'), [], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), PLACEHOLDER_TEXT);
});
