#!/usr/bin/env node
// A stand-in for fpm, for electron-builder's rpm and deb targets (CUSTOM_FPM_PATH): it takes
// the subset of fpm's command line that electron-builder passes (`-s dir -t rpm|deb`,
// metadata, scripts, dependencies and SRC=DEST mappings) and builds the package with the
// system's rpmbuild or dpkg-deb. electron-builder would otherwise download fpm from GitHub.
// An option it does not know is an error, never silently dropped.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const VALUED = new Set(['-s', '-t', '--architecture', '--after-install', '--after-remove', '--description', '--version',
  '--package', '--name', '--maintainer', '--vendor', '--url', '--category', '--rpm-summary', '--license', '--iteration',
  '--rpm-os', '--rpm-compression', '-d', '--depends', '--directories', '--log',
  '--deb-priority', '--deb-compression', '--deb-recommends']);
const FLAGS = new Set(['--force', '--debug']);

function fail(message) {
  process.stderr.write(`fpm-local: ${message}\n`);
  process.exit(1);
}

function parse(argv) {
  const opts = { depends: [], recommends: [], directories: [], mappings: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (FLAGS.has(arg)) continue;
    if (VALUED.has(arg)) {
      const value = argv[++i];
      if (value === undefined) fail(`${arg} needs a value`);
      if (arg === '-d' || arg === '--depends') opts.depends.push(value);
      else if (arg === '--deb-recommends') opts.recommends.push(value);
      else if (arg === '--directories') opts.directories.push(value.replace(/\/$/, ''));
      else opts[arg.replace(/^-+/, '')] = value;
    } else if (arg.startsWith('-')) fail(`unsupported option ${arg}`);
    else if (arg.includes('=')) {
      const at = arg.indexOf('=');
      opts.mappings.push({ src: arg.slice(0, at), dest: arg.slice(at + 1) });
    } else fail(`unexpected argument ${arg}`);
  }
  if (opts.s !== 'dir' || !['rpm', 'deb'].includes(opts.t)) fail('only -s dir -t rpm and -t deb are supported');
  if (opts.t === 'deb' && opts.directories.length) fail('--directories is for rpm (dpkg tracks folders itself)');
  for (const required of ['name', 'version', 'package']) if (!opts[required]) fail(`--${required} is required`);
  return opts;
}

/** Copies every mapping into the staging root; returns what the package owns: files and its own folders. */
function stage(root, mappings) {
  const owned = [];
  for (const { src, dest } of mappings) {
    const target = path.join(root, dest);
    if (src.endsWith('/')) {
      fs.cpSync(src, target, { recursive: true, verbatimSymlinks: true });
      owned.push({ dir: dest.replace(/\/$/, '') });
      for (const entry of fs.readdirSync(target, { recursive: true, withFileTypes: true })) {
        const rel = path.join(dest, path.relative(target, path.join(entry.parentPath, entry.name)));
        owned.push(entry.isDirectory() ? { dir: rel } : { file: rel });
      }
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(src, target);
      fs.chmodSync(target, fs.statSync(src).mode & 0o7777);
      owned.push({ file: dest });
    }
  }
  return owned;
}

/** fpm's --directories: the package also owns that staged folder and the folders below it. */
function ownDirectories(root, owned, directories) {
  for (const dir of directories) {
    const target = path.join(root, dir);
    if (!fs.existsSync(target) || !fs.statSync(target).isDirectory()) fail(`--directories ${dir}: nothing is installed there`);
    const below = fs.readdirSync(target, { recursive: true, withFileTypes: true }).filter((e) => e.isDirectory())
      .map((e) => path.join(dir, path.relative(target, path.join(e.parentPath, e.name))));
    for (const d of [dir, ...below]) if (!owned.some((e) => e.dir === d)) owned.push({ dir: d });
  }
}

const quote = (p) => `"${p.replace(/%/g, '%%')}"`;

/** A scriptlet section: its interpreter from the script's #! line (bash scripts stay bash), then its body. */
function scriptlet(section, file) {
  if (!file) return '';
  const text = fs.readFileSync(file, 'utf8');
  const interpreter = /^#!\s*(\S+)/.exec(text)?.[1] ?? '/bin/sh';
  return `\n%${section} -p ${interpreter}\n${text.replace(/^#!.*\n/, '')}\n`;
}

function spec(o, stageDir, owned) {
  const line = (key, value) => (value ? `${key}: ${value.replace(/\n/g, ' ')}\n` : '');
  return [
    '%define __os_install_post %{nil}\n%define debug_package %{nil}\n%define _build_id_links none\n',
    `%define _binary_payload ${o['rpm-compression'] === 'gzip' ? 'w9.gzdio' : 'w6.xzdio'}\n`,
    line('Name', o.name), line('Version', o.version), line('Release', o.iteration ?? '1'),
    line('Summary', o['rpm-summary'] ?? o.name), line('License', o.license ?? 'unknown'), line('URL', o.url),
    line('Vendor', o.vendor), line('Packager', o.maintainer), line('Group', o.category),
    line('BuildArch', o.architecture === 'amd64' ? 'x86_64' : o.architecture),
    'AutoReqProv: no\n',
    ...o.depends.map((d) => line('Requires', d)),
    `\n%description\n${o.description ?? o.name}\n`,
    `\n%install\nmkdir -p %{buildroot}\ncp -a ${quote(stageDir)}/. %{buildroot}/\n`,
    scriptlet('post', o['after-install']),
    scriptlet('postun', o['after-remove']),
    '\n%files\n%defattr(-,root,root,-)\n',
    ...owned.map((e) => (e.dir ? `%dir ${quote(e.dir)}\n` : `${quote(e.file)}\n`)),
  ].join('');
}

function buildRpm(o, work, stageDir, owned) {
  ownDirectories(stageDir, owned, o.directories);
  const specFile = path.join(work, `${o.name}.spec`);
  fs.writeFileSync(specFile, spec(o, stageDir, owned));
  const r = spawnSync('rpmbuild', ['-bb', '--define', `_topdir ${work}/top`, specFile], { encoding: 'utf8' });
  if (r.status !== 0) fail(`rpmbuild failed:\n${r.stderr || r.error?.message}`);
  const rpms = fs.readdirSync(path.join(work, 'top/RPMS'), { recursive: true }).filter((f) => f.endsWith('.rpm'));
  if (rpms.length !== 1) fail(`rpmbuild made ${rpms.length} packages`);
  return path.join(work, 'top/RPMS', rpms[0]);
}

/** Debian's control file: fpm's fields, the description's later lines indented as policy wants. */
function control(o, stageDir) {
  const [summary, ...rest] = (o.description ?? o.name).trim().split('\n');
  const body = rest.map((l) => (l.trim() ? ` ${l}` : ' .')).join('\n');
  const kib = Math.ceil(Number(spawnSync('du', ['-sk', stageDir], { encoding: 'utf8' }).stdout.split('\t')[0]));
  const field = (key, value) => (value ? `${key}: ${value.replace(/\n/g, ' ')}\n` : '');
  return [
    field('Package', o.name), field('Version', o.iteration ? `${o.version}-${o.iteration}` : o.version),
    field('Architecture', o.architecture === 'x86_64' ? 'amd64' : o.architecture ?? 'all'),
    field('Maintainer', o.maintainer ?? 'unknown'), field('Installed-Size', String(kib)),
    field('Depends', o.depends.join(', ')), field('Recommends', o.recommends.join(', ')),
    field('Section', o.category ?? 'misc'), field('Priority', o['deb-priority'] ?? 'optional'),
    field('Homepage', o.url), `Description: ${summary}\n`, body ? `${body}\n` : '',
  ].join('');
}

function buildDeb(o, work, stageDir) {
  const debian = path.join(stageDir, 'DEBIAN');
  fs.mkdirSync(debian);
  fs.chmodSync(debian, 0o755);
  fs.writeFileSync(path.join(debian, 'control'), control(o, stageDir));
  for (const [option, script] of [['after-install', 'postinst'], ['after-remove', 'postrm']]) {
    if (o[option]) fs.copyFileSync(o[option], path.join(debian, script));
    if (o[option]) fs.chmodSync(path.join(debian, script), 0o755);
  }
  const out = path.join(work, `${o.name}.deb`);
  const compression = { xz: 'xz', gz: 'gzip', gzip: 'gzip', zstd: 'zstd', none: 'none' }[o['deb-compression'] ?? 'xz'];
  if (!compression) fail(`unsupported --deb-compression ${o['deb-compression']}`);
  const r = spawnSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', stageDir, out], { encoding: 'utf8' });
  if (r.status !== 0) fail(`dpkg-deb failed:\n${r.stderr || r.error?.message}`);
  return out;
}

const o = parse(process.argv.slice(2));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'fpm-local-'));
try {
  const stageDir = path.join(work, 'stage');
  const owned = stage(stageDir, o.mappings);
  // Folders are made with the builder's umask; installed, they must be 0755 whatever it was.
  for (const entry of fs.readdirSync(stageDir, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) fs.chmodSync(path.join(entry.parentPath, entry.name), 0o755);
  }
  fs.chmodSync(stageDir, 0o755);
  const built = o.t === 'rpm' ? buildRpm(o, work, stageDir, owned) : buildDeb(o, work, stageDir);
  fs.mkdirSync(path.dirname(path.resolve(o.package)), { recursive: true });
  fs.copyFileSync(built, o.package);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
