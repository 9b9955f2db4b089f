// The start's notices in the session line (src/renderer/components/SessionBanner.tsx): auto's
// choice and any warning said in the open, the reasons behind skipped probes folded under Why?,
// told apart by the rule the helper writes them with (src/shared/probes.ts). And the error hints
// (ErrorAlert.tsx): a problem outside BPF Lab is not called a bug of BPF Lab.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderToStaticMarkup } from 'react-dom/server';
import { ErrorAlert } from '../../src/renderer/components/ErrorAlert.js';
import { Notices, SessionBanner } from '../../src/renderer/components/SessionBanner.js';
import type { SessionView } from '../../src/renderer/lab-state.js';
import { isSkippedProbeNotice, skippedProbeNotice } from '../../src/shared/probes.js';

const text = (html: string): string => html.replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/\s+/g, ' ').trim();

test('auto\'s choice is said in the open; why memcpy was skipped is one click away under Why?', () => {
  const skipped = skippedProbeNotice('memcpy', 'memcpy() sits in .noinstr.text, where kprobes refuse to go.');
  const choice = 'Using read for auto: tracepoint syscalls:sys_enter_read, field count.';
  const html = renderToStaticMarkup(<Notices notices={[skipped, choice]} />);
  const open = html.slice(0, html.indexOf('<details'));
  assert.match(text(open), /^Using read for auto/);
  assert.doesNotMatch(open, /noinstr/, 'the reason is not in the open line');
  const folded = html.slice(html.indexOf('<details'));
  assert.match(text(folded), /^Why\? memcpy cannot be used here\. memcpy\(\) sits in \.noinstr\.text/);
  assert.equal(renderToStaticMarkup(<Notices notices={[choice]} />).includes('<details'), false, 'no Why? with nothing behind it');
});

test('only the helper\'s skipped-probe lines count as reasons', () => {
  assert.equal(isSkippedProbeNotice(skippedProbeNotice('kmalloc', 'x.')), true);
  for (const other of ['Using read for auto: tracepoint.', 'This uprobe fires in every process; it cannot be used here. Really.',
    'Counts only your own processes.']) {
    assert.equal(isSkippedProbeNotice(other), false, other);
  }
});

test('a problem outside BPF Lab gets its own hint; only internal errors are called bugs', () => {
  const setup = text(renderToStaticMarkup(<ErrorAlert error={{ code: 'setup', message: 'cannot start the helper (/usr/bin/node): ENOENT' }} />));
  assert.doesNotMatch(setup, /bug/);
  assert.match(setup, /missing or set up differently/);
  assert.match(text(renderToStaticMarkup(<ErrorAlert error={{ code: 'internal', message: 'bad reply' }} />)), /This is a bug in BPF Lab\./);
  assert.doesNotMatch(text(renderToStaticMarkup(<ErrorAlert error={{ code: 'busy', message: 'try again in 4 s' }} />)), /stop one first/,
    'busy has several causes; its message names the one');
});

test('with no pid, the session line says whose processes count: a scoped caller\'s own, not all', () => {
  const session = {
    info: { session: 1, mode: 'stat', probe: 'write', via: 'tracepoint syscalls:sys_enter_write', layout: 'seed', intervalMs: 2000, notices: [], startedAt: 0 },
    layout: null, histogram: null, trace: null, ended: null,
  } as unknown as SessionView;
  const line = (scope?: 'own-processes' | 'every-process', pid?: number): string =>
    text(renderToStaticMarkup(<SessionBanner session={{ ...session, info: { ...session.info, ...(pid ? { pid } : {}) } }} scope={scope} />));
  assert.match(line('own-processes'), /· your processes ·/);
  assert.doesNotMatch(line('own-processes'), /all processes/);
  assert.match(line('every-process'), /· all processes ·/);
  assert.match(line('own-processes', 42), /· pid 42 ·/);
});
