/**
 * Builds the RPM or the deb the way a release would, with electron-builder and
 * the package.json "build" config, as far as these machines allow: fpm (which
 * electron-builder downloads) is replaced by resources/packaging/fpm-local.mjs
 * over Debian's rpmbuild and dpkg-deb, and the Electron runtime (also a
 * download) by a placeholder that says it is one. The package's layout,
 * metadata, scripts, policy, desktop entry, icons and helper are real; its
 * Electron is not.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stageHelper } from '../../helper/stage.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export const PLACEHOLDER_TEXT = 'This BPF Lab package was built where the Electron runtime cannot be downloaded: '
  + 'it holds no Electron, so the desktop app cannot start from it.';

function placeholderElectron(dir: string): void {
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'electron'), `#!/bin/sh\necho '${PLACEHOLDER_TEXT}' >&2\nexit 1\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'chrome-sandbox'), '');
}

export interface BuiltPackage {
  /** The package file. */
  file: string;
  /** A folder of the test's own, removed by the caller. */
  work: string;
}

/** Runs electron-builder for one Linux package target into a new folder. */
export function buildPackage(target: 'rpm' | 'deb'): BuiltPackage {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `bpf-lab-${target}-`));
  placeholderElectron(path.join(work, 'electron'));
  const helper = path.join(REPO, 'out/helper');
  fs.rmSync(helper, { recursive: true, force: true });
  stageHelper(helper);
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { build: Record<string, unknown> };
  // Fuses are flipped inside the Electron binary, which the placeholder is not.
  const build = { ...pkg.build };
  delete build['electronFuses'];
  const config = path.join(work, 'electron-builder.json');
  fs.writeFileSync(config, JSON.stringify({
    ...build, electronDist: path.join(work, 'electron'),
    directories: { ...(build['directories'] as object), output: path.join(work, 'dist') },
  }));
  const r = spawnSync(path.join(REPO, 'node_modules/.bin/electron-builder'), ['--linux', target, '--config', config], {
    cwd: REPO, encoding: 'utf8', timeout: 10 * 60_000,
    env: { ...process.env, CUSTOM_FPM_PATH: path.join(REPO, 'resources/packaging/fpm-local.mjs') },
  });
  if (r.status !== 0) throw new Error(`electron-builder failed:\n${r.stdout}\n${r.stderr}`);
  const files = fs.readdirSync(path.join(work, 'dist')).filter((f) => f.endsWith(`.${target}`));
  if (files.length !== 1) throw new Error(`expected one ${target}, found ${files.join(', ')}`);
  return { file: path.join(work, 'dist', files[0]!), work };
}

/** `rpm -qp ARGS PACKAGE`'s output. */
export function rpmQuery(rpm: string, ...args: string[]): string {
  const r = spawnSync('rpm', ['-qp', ...args, rpm], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rpm -qp ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Unpacks the package's files under dir (rpm2cpio | cpio). */
export function extractRpm(rpm: string, dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const r = spawnSync('sh', ['-c', 'rpm2cpio "$1" | cpio -idm --quiet', 'x', rpm], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`rpm2cpio | cpio: ${r.stderr}`);
}
