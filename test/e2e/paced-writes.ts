/**
 * A workload with a steady rate: after a line on stdin, RATE one-byte write()s
 * a second to /dev/null for SECONDS, in 1 ms slices. The flood end-to-end test
 * and bench/ui-flood.ts start it through pacedWriter() in serve.ts.
 *
 *   node build/test/e2e/paced-writes.js RATE SECONDS
 */
import fs from 'node:fs';

const rate = Number(process.argv[2] ?? 100_000);
const seconds = Number(process.argv[3] ?? 5);
const fd = fs.openSync('/dev/null', 'w');
const byte = Buffer.from('x');

process.stdin.once('data', () => {
  const start = performance.now();
  let done = 0;
  const total = rate * seconds;
  const tick = (): void => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; done < due; done++) fs.writeSync(fd, byte);
    if (done < total) setTimeout(tick, 1);
    else process.exit(0);
  };
  tick();
});
