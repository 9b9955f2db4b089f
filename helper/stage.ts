/**
 * Stages the helper as it is installed: the launcher that polkit's policy
 * names, the compiled helper and the shared code it imports, the BPF objects,
 * and the runtime modules (koffi with its Linux x64 binary, zod, and iced-x86's
 * WebAssembly disassembler).
 * Beside it, the `bpf-lab` command (the CLI and `bpf-lab serve` with the
 * built pages), which packages put on PATH. The result is a self-contained,
 * root-owned tree that needs only /usr/bin/node; packages install it, and the
 * pkexec tests install it at the policy's path.
 *
 *   node build/helper/stage.js DEST
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** What the helper needs from node_modules at run time. */
export const RUNTIME_MODULES = [
  'koffi', ...['linux_x64', 'package.json', 'index.js'].map((f) => `@koromix/koffi-linux-x64/${f}`), 'zod',
  ...['iced_x86.js', 'iced_x86_bg.wasm', 'package.json', 'LICENSE.txt'].map((f) => `iced-x86/${f}`),
];

/** Copies the helper's files under dest, which must not exist yet; returns the launcher's path there. */
export function stageHelper(dest: string, repo = REPO): string {
  if (fs.existsSync(dest)) throw new Error(`${dest} exists: stage into a new folder`);
  const copy = (rel: string, to = rel): void =>
    fs.cpSync(path.join(repo, rel), path.join(dest, to), { recursive: true, dereference: true });
  if (!fs.existsSync(path.join(repo, 'out/renderer/index.html'))) {
    throw new Error('out/renderer is not built: run npm run build:app first (bpf-lab serve needs it)');
  }
  copy('build/helper');
  copy('build/src/shared');
  copy('build/src/backend');
  copy('build/src/cli');
  copy('out/renderer');
  copy('resources/bpf');
  // The BPF C itself, which the Lab shows beside the instructions (helper/bpf-source.ts).
  for (const file of fs.readdirSync(path.join(repo, 'bpf')).filter((f) => /\.[ch]$/.test(f))) copy(`bpf/${file}`);
  for (const module of RUNTIME_MODULES) copy(`node_modules/${module}`);
  for (const map of listFiles(dest).filter((f) => f.endsWith('.map'))) fs.rmSync(map);
  // The compiled files are ES modules; nothing else of the app's package.json is needed.
  fs.writeFileSync(path.join(dest, 'package.json'), `${JSON.stringify({ type: 'module', private: true })}\n`);
  for (const launcher of ['bpf-lab-helper', 'bpf-lab-helper-system']) {
    copy(`resources/helper/${launcher}`, launcher);
    fs.chmodSync(path.join(dest, launcher), 0o755);
  }
  return path.join(dest, 'bpf-lab-helper');
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dest = process.argv[2];
  if (!dest) {
    process.stderr.write('usage: node build/helper/stage.js DEST\n');
    process.exit(2);
  }
  process.stdout.write(`${stageHelper(path.resolve(dest))}\n`);
}
