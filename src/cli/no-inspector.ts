/**
 * bpf-lab as root (sudo bpf-lab stat, or serve on a lab machine) must not open Node's inspector
 * either: on SIGUSR1 Node opens one on 127.0.0.1:9229, and anyone who connects runs code as
 * root. main.ts imports this module first, so that for root a SIGUSR1 listener replaces Node's
 * own handler before anything else loads, and a run with the inspector already open (--inspect,
 * NODE_OPTIONS) stops here. The helper goes further (helper/no-inspector.ts); the CLI cannot
 * use Node's permission model, because from Node 25 on it also closes the network serve needs.
 */
import inspector from 'node:inspector';

/** Exit status for the refusal: bad input, as for every other way bpf-lab was called wrong. */
const REFUSED = 2;

if (process.geteuid?.() === 0) {
  process.on('SIGUSR1', () => undefined);
  const url = inspector.url();
  if (url !== undefined) {
    process.stderr.write(`bpf-lab: refusing to run as root with Node's inspector open (${url}): anyone who connects `
      + 'to it runs code as root. Run bpf-lab without --inspect and without NODE_OPTIONS.\n');
    process.exit(REFUSED);
  }
}
