// Starting the helper from an AppImage (src/main/appimage-launch.ts), the
// parts that need no root: when the app counts as running from an AppImage,
// the exact pkexec command line, the packed archive and its digest, the
// launch resolveLaunch picks, and that the helper's self-removal only ever
// touches a marked private copy under /run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeEphemeralRoot, sweepStaleCopies, UNMARKED_GRACE_MS } from '../../helper/ephemeral.js';
import { APPIMAGE_ROOT_SCRIPT, appImageLaunch, packHelper, runsFromAppImage } from '../../src/main/appimage-launch.js';
import { resolveLaunch } from '../../src/main/helper-launch.js';

const mounted = { APPIMAGE: '/home/ann/BPF_Lab.AppImage', APPDIR: '/tmp/.mount_BPF_LaAbC123' };

test('the app runs from an AppImage only when APPIMAGE is set and its resources sit inside APPDIR', () => {
  assert.equal(runsFromAppImage(mounted, '/tmp/.mount_BPF_LaAbC123/resources'), true);
  assert.equal(runsFromAppImage(mounted, '/opt/bpf-lab/resources'), false, 'installed, with a stray APPIMAGE');
  assert.equal(runsFromAppImage({ APPDIR: mounted.APPDIR }, '/tmp/.mount_BPF_LaAbC123/resources'), false);
  assert.equal(runsFromAppImage({}, '/opt/bpf-lab/resources'), false);
});

test('pkexec runs /bin/sh with the fixed root script, the archive and its digest: nothing else', () => {
  const sha = 'a'.repeat(64);
  assert.deepEqual(appImageLaunch('/run/user/1000/bpf-lab-x/helper.tar', sha), {
    via: 'pkexec', command: '/usr/bin/pkexec',
    args: ['/bin/sh', '-c', APPIMAGE_ROOT_SCRIPT, 'bpf-lab-helper', '/run/user/1000/bpf-lab-x/helper.tar', sha],
  });
  // The script checks root's own copy, never the user's file, and runs the system's Node.
  assert.ok(APPIMAGE_ROOT_SCRIPT.indexOf('cp -- "$1" "$dir/helper.tar"') < APPIMAGE_ROOT_SCRIPT.indexOf('sha256sum -c'));
  assert.match(APPIMAGE_ROOT_SCRIPT, /exec "\$dir\/bpf-lab-helper"$/);
});

test('the packed archive is private to the user, in a folder that must be its own, and its digest is of its bytes', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-test-'));
  try {
    fs.mkdirSync(path.join(work, 'helper/build'), { recursive: true });
    fs.writeFileSync(path.join(work, 'helper/bpf-lab-helper'), '#!/bin/sh\n');
    fs.writeFileSync(path.join(work, 'helper/build/main.js'), 'x');
    const { archive, sha256 } = await packHelper(path.join(work, 'helper'), work);
    assert.equal(createHash('sha256').update(fs.readFileSync(archive)).digest('hex'), sha256);
    assert.equal(fs.statSync(archive).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(archive)).mode & 0o777, 0o700);
    const listed = spawnSync('tar', ['-t', '-f', archive], { encoding: 'utf8' }).stdout.split('\n');
    assert.ok(listed.includes('./bpf-lab-helper') && listed.includes('./build/main.js'), listed.join(' '));
    assert.equal((await packHelper(path.join(work, 'helper'), work)).archive, archive, 'one archive, replaced on each start');
    fs.chmodSync(path.dirname(archive), 0o755);
    await assert.rejects(packHelper(path.join(work, 'helper'), work), /private to it/);
    fs.rmSync(path.dirname(archive), { recursive: true });
    fs.symlinkSync('/tmp', path.dirname(archive));
    await assert.rejects(packHelper(path.join(work, 'helper'), work), /not a link/);
    fs.rmSync(path.dirname(archive));
    await assert.rejects(packHelper(path.join(work, 'missing'), work), /cannot pack the helper/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('resolveLaunch packs the helper only for a non-root user of a mounted AppImage', async () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'resolve-test-'));
  try {
    const resources = path.join(work, 'mount/resources');
    fs.mkdirSync(path.join(resources, 'helper'), { recursive: true });
    fs.writeFileSync(path.join(resources, 'helper/bpf-lab-helper'), '#!/bin/sh\n');
    const env = { APPIMAGE: '/x.AppImage', APPDIR: path.join(work, 'mount'), XDG_RUNTIME_DIR: work };
    const ctx = { uid: 1000, execPath: '/x', devRoot: null, resourcesPath: resources };
    const { launch, dispose } = await resolveLaunch(ctx, env);
    assert.equal(launch.command, '/usr/bin/pkexec');
    assert.equal(launch.args[0], '/bin/sh');
    const [archive, sha] = launch.args.slice(-2) as [string, string];
    assert.equal(archive, `${work}/bpf-lab/helper.tar`);
    assert.equal(createHash('sha256').update(fs.readFileSync(archive)).digest('hex'), sha);
    dispose();
    assert.equal(fs.existsSync(archive), false, 'quitting removes the packed helper');
    assert.deepEqual((await resolveLaunch({ ...ctx, uid: 0 }, env)).launch.via, 'direct');
    assert.deepEqual((await resolveLaunch(ctx, {})).launch.args, ['/opt/bpf-lab/resources/helper/bpf-lab-helper']);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('the helper removes its own tree only when it is a marked private copy under /run', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ephemeral-test-'));
  fs.writeFileSync(path.join(work, '.ephemeral'), '');
  assert.equal(removeEphemeralRoot(`${work}/`), false, 'not under /run');
  assert.ok(fs.existsSync(work));
  assert.equal(removeEphemeralRoot('/run/bpf-lab-helper.AbC123/'), false, 'no marker, nothing removed');
  assert.equal(removeEphemeralRoot('/opt/bpf-lab/resources/helper/'), false);
  fs.rmSync(work, { recursive: true, force: true });
});

test('a starting helper removes private copies whose helper is gone, and only those', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-test-'));
  const run = path.join(work, 'run');
  const proc = path.join(work, 'proc');
  const copy = (name: string, marker: string | null): string => {
    const dir = path.join(run, name);
    fs.mkdirSync(path.join(dir, 'build/helper'), { recursive: true });
    if (marker !== null) fs.writeFileSync(path.join(dir, '.ephemeral'), marker);
    return dir;
  };
  const process_ = (pid: number, ...argv: string[]): void => {
    fs.mkdirSync(path.join(proc, String(pid)), { recursive: true });
    fs.writeFileSync(path.join(proc, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
  };
  try {
    const helperRuns = copy('bpf-lab-helper.Aaaaa1', '101\n');
    process_(101, '/usr/bin/node', `${helperRuns}/build/helper/main.js`);
    copy('bpf-lab-helper.Aaaaa2', '102\n');
    process_(102, '/bin/sh', '-c', 'set -eu ...', 'bpf-lab-helper', '/run/user/1000/bpf-lab/helper.tar', 'f'.repeat(64));
    copy('bpf-lab-helper.Bbbbb1', '103\n'); // no such process
    copy('bpf-lab-helper.Bbbbb2', '104\n');
    process_(104, '/usr/bin/vim', '/etc/motd'); // the pid was reused
    copy('bpf-lab-helper.Bbbbb3', 'nonsense');
    // An older version's empty marker: its helper still runs from it.
    const olderMarker = copy('bpf-lab-helper.Aaaaa3', '');
    process_(150, '/usr/bin/node', `${olderMarker}/build/helper/main.js`);
    copy('bpf-lab-helper.Bbbbb6', '');
    copy('bpf-lab-helper.Self01', '');
    const unpacking = copy('bpf-lab-helper.Ccccc1', null);
    const failed = copy('bpf-lab-helper.Bbbbb4', null);
    const old = (Date.now() - UNMARKED_GRACE_MS - 1000) / 1000;
    fs.utimesSync(failed, old, old);
    copy('bpf-lab-helper.toolong1', '103\n');
    copy('other-folder', '103\n');
    fs.symlinkSync(path.join(run, 'other-folder'), path.join(run, 'bpf-lab-helper.Link01'));

    const uid = process.getuid!();
    // A user's process that takes the marker's pid and the script's name keeps nothing alive.
    copy('bpf-lab-helper.Bbbbb5', '105\n');
    process_(105, 'bpf-lab-helper', 'inf');
    const stale = ['bpf-lab-helper.Bbbbb1', 'bpf-lab-helper.Bbbbb2', 'bpf-lab-helper.Bbbbb3', 'bpf-lab-helper.Bbbbb4',
      'bpf-lab-helper.Bbbbb6'];
    const kept = ['bpf-lab-helper.Aaaaa1', 'bpf-lab-helper.Aaaaa2', 'bpf-lab-helper.Aaaaa3', 'bpf-lab-helper.Ccccc1',
      'bpf-lab-helper.Link01', 'bpf-lab-helper.Self01', 'bpf-lab-helper.toolong1', 'other-folder'];
    // Making /proc/105 another user's needs root (CI); elsewhere the impostor is the test's own user, so it counts.
    const impostor = uid === 0;
    if (impostor) fs.chownSync(path.join(proc, '105'), 4242, 4242);
    const self = `${path.join(run, 'bpf-lab-helper.Self01')}/`;
    assert.deepEqual(sweepStaleCopies({ runDir: run, procDir: proc, uid, self }).sort(),
      [...stale, ...(impostor ? ['bpf-lab-helper.Bbbbb5'] : [])].sort());
    assert.deepEqual(fs.readdirSync(run).sort(), [...kept, ...(impostor ? [] : ['bpf-lab-helper.Bbbbb5'])].sort());
    assert.ok(fs.existsSync(unpacking));
    assert.deepEqual(sweepStaleCopies({ runDir: run, procDir: proc, uid: uid + 1, self }), [], 'another owner\'s folders are not judged');
    assert.deepEqual(sweepStaleCopies({ runDir: path.join(work, 'missing'), procDir: proc, uid, self }), []);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
