// The file a uprobe names is opened once (helper/elf-file.ts): first with O_PATH, which opens no
// device or FIFO, then the same inode to read. A FIFO or a device is refused without ever being
// opened to read (a FIFO's read-open with no writer would block this synchronous call for good).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { elfProblem, openElf } from '../../helper/elf-file.js';

test('openElf keeps an ELF (by its link too) and refuses a FIFO, a device and a text file without blocking', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'elf-file-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const link = path.join(dir, 'node-link');
  fs.symlinkSync(process.execPath, link);
  for (const elf of [process.execPath, link]) {
    const opened = openElf(elf);
    assert.ok('fd' in opened, `${elf}: ${JSON.stringify(opened)}`);
    assert.equal(fs.fstatSync(opened.fd).ino, fs.statSync(process.execPath).ino, 'the file named, through its link');
    fs.closeSync(opened.fd);
  }
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const text = path.join(dir, 'notes.txt');
  fs.writeFileSync(text, 'not a program\n');
  assert.equal(elfProblem(fifo)?.code, 'no-such-file');
  assert.equal(elfProblem('/dev/null')?.code, 'no-such-file');
  assert.equal(elfProblem(path.join(dir, 'missing'))?.code, 'no-such-file');
  assert.equal(elfProblem(text)?.code, 'not-elf');
  assert.equal(elfProblem(link), null);
});
