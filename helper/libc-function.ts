/**
 * Finds the code a libc function really runs. glibc's memcpy is an IFUNC: its
 * symbol is a resolver that picks an implementation per CPU, so a uprobe on the
 * symbol never fires. dlsym() in this process returns the picked implementation;
 * /proc/self/maps turns that address into a file and offset a uprobe can use.
 */
import fs from 'node:fs';
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
const dlsym = libc.func('void *dlsym(void *handle, const char *symbol)') as (h: null, s: string) => unknown;

export interface FileLocation {
  path: string;
  offset: number;
  address: bigint;
}

/** Maps an address in this process to the file and offset it was mapped from. */
export function locateAddress(address: bigint, maps: string): FileLocation | null {
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+([0-9a-f]+)\s+\S+\s+\d+\s+(\/.*)$/.exec(line);
    if (!m) continue;
    const [start, end, fileOffset] = [BigInt(`0x${m[1]}`), BigInt(`0x${m[2]}`), BigInt(`0x${m[3]}`)];
    if (address >= start && address < end) {
      return { path: m[4]!.replace(/ \(deleted\)$/, ''), offset: Number(address - start + fileOffset), address };
    }
  }
  return null;
}

/** The file and offset of the implementation this CPU uses for `symbol`, or null if none is found. */
export function resolveLibcFunction(symbol: string): FileLocation | null {
  const ptr = dlsym(null, symbol);
  if (!ptr) return null;
  return locateAddress(koffi.address(ptr), fs.readFileSync('/proc/self/maps', 'utf8'));
}
