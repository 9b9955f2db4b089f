/**
 * The BPF C that runs, shipped beside the objects (bpf/ in a checkout and in the installed
 * tree), for the Lab's Source view and to put each instruction's line of C beside it. The
 * committed objects keep line info (file, line, column) but not the text of the lines, so
 * the text is read from these files. Only the project's own sources are read: a name from line
 * info must be one of bpf/'s .c or .h files.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCES = fileURLToPath(new URL('../../bpf/', import.meta.url));
/** A file as the compiler names it in line info: bpf/hist.bpf.c, bpf/./size_source.h. */
const OWN_FILE = /^bpf\/(?:\.\/)*([A-Za-z0-9_-]+(?:\.bpf)?\.[ch])$/;

/** The shipped file's name for a line-info file name (bpf/size_source.h), or null if it is not one of ours. */
export function ownSourceName(file: string): string | null {
  const m = OWN_FILE.exec(file);
  return m ? `bpf/${m[1]}` : null;
}

/** Reads our sources on demand, once each; lines are 1-based. */
export class SourceFiles {
  private readonly files = new Map<string, string[] | null>();

  /** The lines of one of our files, or null when it is not shipped. */
  lines(name: string): string[] | null {
    if (!this.files.has(name)) {
      const file = path.join(SOURCES, name.slice('bpf/'.length));
      let text: string[] | null = null;
      try {
        text = fs.readFileSync(file, 'utf8').split('\n');
      } catch {
        // not shipped here
      }
      this.files.set(name, text);
    }
    return this.files.get(name)!;
  }

  /** The text of a line, trimmed, or '' when unknown. */
  line(name: string, line: number): string {
    return this.lines(name)?.[line - 1]?.trim() ?? '';
  }
}
