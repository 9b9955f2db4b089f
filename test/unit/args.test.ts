// Pins down src/cli/args.ts: the defaults of stat and trace, option parsing,
// that nothing after `--` is read as an option, and that every mistake is a
// one-line UsageError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommand, USAGE, UsageError, type Command } from '../../src/cli/args.js';

type Session = Extract<Command, { name: 'stat' | 'trace' }>;

function session(argv: string[]): Session {
  const c = parseCommand(argv);
  assert.ok(c.name === 'stat' || c.name === 'trace', `expected stat or trace, got ${c.name}`);
  return c;
}

function usageError(argv: string[], pattern?: RegExp): void {
  assert.throws(() => parseCommand(argv), (e: unknown) => {
    assert.ok(e instanceof UsageError, `${argv.join(' ')}: ${String(e)}`);
    assert.ok(e instanceof Error);
    assert.ok(e.message.length > 0 && !e.message.includes('\n'), `${argv.join(' ')}: ${e.message}`);
    if (pattern) assert.match(e.message, pattern);
    return true;
  }, argv.join(' '));
}

test('stat defaults', () => {
  const c = session(['stat']);
  assert.equal(c.name, 'stat');
  assert.deepEqual(c.probe, { kind: 'catalog', id: 'auto' });
  assert.equal(c.layout, 'seed');
  assert.equal(c.intervalMs, 2000);
  assert.equal(c.count, null);
  assert.equal(c.pid, null);
  assert.equal(c.json, false);
  assert.equal(c.run, null);
});

test('trace defaults', () => {
  const c = session(['trace']);
  assert.equal(c.name, 'trace');
  assert.deepEqual(c.probe, { kind: 'catalog', id: 'auto' });
  assert.equal(c.count, null);
  assert.equal(c.pid, null);
  assert.equal(c.json, false);
  assert.equal(c.run, null);
});

test('probe options', () => {
  assert.deepEqual(session(['stat', '--probe', 'memcpy']).probe, { kind: 'catalog', id: 'memcpy' });
  assert.deepEqual(session(['stat', '--kprobe', 'vfs_read:3']).probe, { kind: 'kprobe', func: 'vfs_read', arg: 3 });
  assert.deepEqual(session(['trace', '--tracepoint', 'kmem:kmalloc:bytes_req']).probe,
    { kind: 'tracepoint', category: 'kmem', event: 'kmalloc', field: 'bytes_req' });
  assert.deepEqual(session(['stat', '--uprobe', '/usr/bin/gzip:memcpy:3']).probe,
    { kind: 'uprobe', path: '/usr/bin/gzip', symbol: 'memcpy', arg: 3 });
});

test('--buckets, --interval, --count, --pid, --json', () => {
  assert.equal(session(['stat', '--buckets', 'log2']).layout, 'log2');
  assert.equal(session(['stat', '--buckets', 'linear:0:1024:64']).layout, 'linear:0:1024:64');
  assert.equal(session(['stat', '--interval', '0.5']).intervalMs, 500);
  assert.equal(session(['stat', '--interval', '0.1']).intervalMs, 100);
  assert.equal(session(['stat', '--interval', '60']).intervalMs, 60000);
  assert.equal(session(['stat', '--interval', '3']).intervalMs, 3000);
  assert.equal(session(['stat', '--count', '5']).count, 5);
  assert.equal(session(['trace', '--count', '1']).count, 1);
  assert.equal(session(['stat', '--pid', '1234']).pid, 1234);
  assert.equal(session(['stat', '--json']).json, true);
  assert.equal(session(['stat', '--interval=2', '--json', '--count=3']).count, 3);
});

test('-- CMD ARGS becomes run, and nothing after -- is an option', () => {
  assert.deepEqual(session(['stat', '--', 'cmd', 'a', 'b']).run, ['cmd', 'a', 'b']);
  const c = session(['stat', '--', 'ls', '--json']);
  assert.equal(c.json, false);
  assert.deepEqual(c.run, ['ls', '--json']);
  const t = session(['trace', '--json', '--', 'gzip', '-k', '--help', '--', 'x']);
  assert.equal(t.json, true);
  assert.deepEqual(t.run, ['gzip', '-k', '--help', '--', 'x']);
  // --pid after -- belongs to the command, so it does not clash with running one.
  const p = session(['stat', '--', 'kill', '--pid', '5']);
  assert.equal(p.pid, null);
  assert.deepEqual(p.run, ['kill', '--pid', '5']);
});

test('two probes are a usage error', () => {
  usageError(['stat', '--probe', 'memcpy', '--kprobe', 'vfs_read:3']);
  usageError(['stat', '--kprobe', 'vfs_read:3', '--uprobe', '/usr/bin/gzip:memcpy:3']);
  usageError(['trace', '--tracepoint', 'kmem:kmalloc:bytes_req', '--probe', 'auto']);
});

test('bad probe specs are usage errors carrying the parser message', () => {
  usageError(['stat', '--kprobe', 'vfs_read:7'], /^bad --kprobe/);
  usageError(['stat', '--tracepoint', 'kmem:kmalloc'], /^bad --tracepoint/);
  usageError(['stat', '--uprobe', 'gzip:memcpy:3'], /^bad --uprobe/);
  usageError(['stat', '--probe', 'nope'], /^unknown probe/);
  usageError(['stat', '--buckets', 'linear:0:10:3'], /^bad buckets "/);
});

test('bad --count, --interval and --pid', () => {
  for (const n of ['0', 'x', '1.5', '-1', '']) usageError(['stat', `--count=${n}`]);
  for (const s of ['0', '61', 'abc', '0.05', '1e1', '']) usageError(['stat', `--interval=${s}`]);
  for (const p of ['0', 'x', '4194305']) usageError(['stat', `--pid=${p}`]);
});

test('--pid cannot be combined with -- CMD', () => {
  usageError(['stat', '--pid', '5', '--', 'ls']);
});

test('trace takes neither --buckets nor --interval', () => {
  usageError(['trace', '--buckets', 'log2']);
  usageError(['trace', '--interval', '1']);
});

test('unknown command, empty --, unknown option, stray argument', () => {
  usageError(['frobnicate']);
  usageError(['stat', '--']);
  usageError(['stat', '--bogus']);
  usageError(['stat', '-x']);
  usageError(['stat', 'ls']);
});

test('help, version and no arguments', () => {
  assert.deepEqual(parseCommand([]), { name: 'help' });
  assert.deepEqual(parseCommand(['--help']), { name: 'help' });
  assert.deepEqual(parseCommand(['-h']), { name: 'help' });
  assert.deepEqual(parseCommand(['stat', '--help']), { name: 'help' });
  assert.deepEqual(parseCommand(['--version']), { name: 'version' });
  assert.deepEqual(parseCommand(['-V']), { name: 'version' });
});

test('probes command', () => {
  const c = parseCommand(['probes']);
  assert.equal(c.name, 'probes');
  assert.equal(c.name === 'probes' && c.json, false);
  const j = parseCommand(['probes', '--json']);
  assert.equal(j.name === 'probes' && j.json, true);
  assert.equal(j.name === 'probes' && j.refresh, false);
  assert.equal(j.name === 'probes' && j.system, false);
  usageError(['lesson', 'classic-bpf', '--system'], /^--system is an option of probes, stat, trace, inspect and serve$/);
  assert.equal((parseCommand(['probes', '--system']) as { system: boolean }).system, true);
  const system = parseCommand(['stat', 'read', '--system']);
  assert.equal(system.name === 'stat' && system.system, true);
  assert.equal((parseCommand(['serve', '--system']) as { system: boolean }).system, true);
  assert.equal((parseCommand(['trace', 'read']) as { system: boolean }).system, false);
  const r = parseCommand(['probes', '--refresh']);
  assert.equal(r.name === 'probes' && r.refresh, true);
  for (const argv of [['stat', '--refresh'], ['serve', '--refresh'], ['lesson', 'classic-bpf', '--refresh'], ['inspect', 'read', '--refresh']]) {
    usageError(argv, /^--refresh is an option of probes$/);
  }
});

test('a command to run without stat or trace is a usage error, not help', () => {
  usageError(['--', 'ls'], /bpf-lab stat, trace or inspect -- CMD/);
  usageError(['--json', '--', 'ls']);
});

test('probes takes no probe, layout, count, pid or command', () => {
  usageError(['probes', '--buckets', 'log2'], /^--buckets is not an option of probes$/);
  usageError(['probes', '--pid', '1']);
  usageError(['probes', '--', 'ls'], /^probes runs no command/);
});

test('serve takes a port (default 8047, 0 for any free one) and nothing about probes', () => {
  assert.deepEqual(parseCommand(['serve']), { name: 'serve', port: 8047, verbose: false, system: false });
  assert.deepEqual(parseCommand(['serve', '--port', '0', '--verbose']), { name: 'serve', port: 0, verbose: true, system: false });
  assert.deepEqual(parseCommand(['serve', '--port', '65535']), { name: 'serve', port: 65535, verbose: false, system: false });
  usageError(['serve', '--port', '65536'], /^bad --port "65536": use 0 to 65535$/);
  usageError(['serve', '--port', '-1']);
  usageError(['serve', '--port', 'http']);
  usageError(['serve', '--probe', 'write'], /^--probe is not an option of serve: choose probes in the page$/);
  usageError(['serve', '--json'], /^--json is not an option of serve/);
  usageError(['serve', '--', 'ls'], /^serve runs no command/);
  usageError(['stat', '--port', '80'], /^--port is an option of serve$/);
  usageError(['probes', '--port', '80'], /^--port is not an option of probes$/);
});

test('inspect takes stat\'s probe, buckets, pid, --json and -- CMD, but not --interval or --count', () => {
  const c = parseCommand(['inspect', '--probe', 'write', '--buckets', 'log2', '--json', '--', './w', 'x']);
  assert.ok(c.name === 'inspect');
  assert.deepEqual(c.probe, { kind: 'catalog', id: 'write' });
  assert.equal(c.layout, 'log2');
  assert.equal(c.json, true);
  assert.deepEqual(c.run, ['./w', 'x']);
  const p = parseCommand(['inspect', '--pid', '42']);
  assert.ok(p.name === 'inspect' && p.pid === 42 && p.run === null);
  usageError(['inspect', '--interval', '1'], /inspect prints every view once/);
  usageError(['inspect', '--count', '3'], /inspect prints every view once/);
  usageError(['frobnicate'], /use probes, stat, trace, inspect, lesson or serve/);
});

test('lesson classic-bpf takes --ipv4, --ipv6 (0 to 1000) and --json, and nothing about probes', () => {
  assert.deepEqual(parseCommand(['lesson', 'classic-bpf']),
    { name: 'lesson', lesson: 'classic-bpf', ipv4: 5, ipv6: 3, json: false, verbose: false });
  assert.deepEqual(parseCommand(['lesson', 'classic-bpf', '--ipv4', '0', '--ipv6', '1000', '--json']),
    { name: 'lesson', lesson: 'classic-bpf', ipv4: 0, ipv6: 1000, json: true, verbose: false });
  usageError(['lesson'], /say which lesson: bpf-lab lesson classic-bpf/);
  usageError(['lesson', 'ebpf'], /unknown lesson "ebpf"/);
  usageError(['lesson', 'classic-bpf', 'more'], /unexpected argument "more"/);
  usageError(['lesson', 'classic-bpf', '--ipv4', '1001'], /bad --ipv4 "1001": use a whole number from 0 to 1000/);
  usageError(['lesson', 'classic-bpf', '--ipv6', '-1']);
  usageError(['lesson', 'classic-bpf', '--probe', 'read'], /--probe is not an option of lesson/);
  usageError(['lesson', 'classic-bpf', '--', 'ls'], /lesson runs no command/);
  usageError(['stat', '--ipv4', '3'], /--ipv4 and --ipv6 are options of lesson classic-bpf/);
});

test('every form the usage shows parses, with every option it lists', () => {
  // Placeholders of the usage text, filled with a value each could take.
  const fill: Record<string, string[]> = {
    PROBE: ['read'], LAYOUT: ['log2'], 'seed|log2|linear:MIN:MAX:STEP': ['linear:0:1024:64'], S: ['1'], N: ['3'], PID: ['42'],
    PORT: ['0'], 'CMD ARGS...': ['ls', '-l'],
  };
  const forms = USAGE.split('\n\n')[0]!.replace(/\n {16}/g, ' ').split('\n').slice(1).map((l) => l.trim());
  assert.ok(forms.length >= 6, forms.join('\n'));
  for (const form of forms) {
    // [A | B] offers a choice: each side is tried in its own command line.
    for (const side of [0, 1]) {
      const text = form.replace(/^bpf-lab /, '').replace(/\[([^\]]*?) \| ([^\]]*)\]/g, (_, a: string, b: string) => (side ? b : a));
      const words = text.replace(/[[\]]/g, '').split(/\s+(?![A-Z]+\.\.\.)/);
      const argv = words.flatMap((w) => fill[w] ?? (w === 'CMD' ? [] : [w]));
      assert.doesNotThrow(() => parseCommand(argv), `${form} (${argv.join(' ')})`);
    }
  }
  // Every option the help lists is one the parser knows.
  for (const [, option] of USAGE.matchAll(/^ {2}(--[a-z0-9-]+)/gm)) {
    assert.ok(!/unknown option/.test((() => { try { parseCommand([option!]); return ''; } catch (e) { return String(e); } })()), option);
  }
});

test('PROBE may be given as a word after the command, as the usage shows', () => {
  assert.deepEqual(session(['stat', 'read']).probe, { kind: 'catalog', id: 'read' });
  assert.deepEqual(session(['trace', 'write', '--', 'ls']).probe, { kind: 'catalog', id: 'write' });
  usageError(['stat', 'ls'], /^unknown probe "ls": choose one of auto, .*\(a command to run goes after --\)$/);
  usageError(['stat', 'read', '--probe', 'write'], /choose one probe: "read" and --probe were both given/);
  usageError(['stat', 'read', 'ls'], /unexpected argument "ls" after the probe read \(a command to run goes after --\)/);
});

test('mistakes the option parser finds read like every other error', () => {
  usageError(['stat', '--count'], /^--count needs a value$/);
  usageError(['stat', '--json=yes'], /^--json takes no value$/);
  usageError(['stat', '--bogus'], /^unknown option --bogus$/);
  usageError(['--help=x'], /^--help takes no value$/);
  usageError(['stat', '--pid', '-5'], /^--pid needs a value; for one that starts with -, write --pid=VALUE$/);
  for (const argv of [['probes', '--quiet'], ['serve', '--quiet'], ['lesson', 'classic-bpf', '--quiet']]) {
    usageError(argv, /--quiet is not an option of/);
  }
});

test('--quiet silences notices for stat, trace and inspect', () => {
  assert.equal(session(['stat', '--quiet']).quiet, true);
  assert.equal(session(['trace']).quiet, false);
  const c = parseCommand(['inspect', 'read', '--quiet']);
  assert.ok(c.name === 'inspect' && c.quiet);
});
