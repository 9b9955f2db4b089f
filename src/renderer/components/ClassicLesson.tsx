/**
 * The classic BPF lesson in the app: the article's four-instruction filter, run by the kernel
 * on a loopback of the lesson's own (helper/classic-lesson.ts). It shows the filter as the
 * kernel holds it, what it accepted and dropped against a socket that saw every packet, and
 * the accumulator machine's steps on one real packet of each kind.
 */
import { useState } from 'react';
import { classicExplain, classicText, runClassic } from '../../shared/classic-bpf.js';
import { LabError, type ErrorData } from '../../shared/errors.js';
import type { LabApi } from '../../shared/lab-api.js';
import { MAX_LESSON_PACKETS, type ClassicLesson as Lesson } from '../../shared/lesson.js';
import { ErrorAlert } from './ErrorAlert.js';
import { Field } from './Field.js';

export const MACHINE = 'The classic BPF machine, where the article starts, has an accumulator A, an index register X, '
  + 'sixteen scratch cells M[0] to M[15], and a program counter that only moves forward, so every filter ends. It runs '
  + 'once per packet, from the packet\'s first byte, and returns how many bytes to keep: 0 drops the packet. The eBPF '
  + 'machine of BPF Lab\'s probes grew out of it (eleven 64-bit registers, a stack, maps, helpers); the kernel '
  + 'translates a classic filter into eBPF before it runs it.';

const bytesOf = (hex: string): Uint8Array => Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));

function count(text: string): number | null {
  return /^\d+$/.test(text) && Number(text) <= MAX_LESSON_PACKETS ? Number(text) : null;
}

function Steps({ lesson, family }: { lesson: Lesson; family: 'ipv4' | 'ipv6' }) {
  const sample = lesson.samples.find((s) => s.family === family && s.direction === 'incoming');
  if (!sample) return null;
  const run = runClassic(lesson.filter, bytesOf(sample.bytes));
  const name = family === 'ipv4' ? 'IPv4' : 'IPv6';
  return (
    <section className="steps" aria-label={`Steps for one ${name} packet`}>
      <h3>One {name} packet, step by step <span className="map-meta">its first 14 bytes: {sample.bytes.slice(0, 28)}</span></h3>
      <ol className="step-list">
        {run.steps.map((s) => (
          <li key={s.pc}>
            <code>({String(s.pc).padStart(3, '0')}) {s.text}</code>
            <span>
              {s.next === null ? (run.verdict === 0 ? 'dropped' : 'accepted, all of it')
                : s.text.startsWith('j') ? `go to ${s.next}` : `A = 0x${s.a.toString(16)}`}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

export function ClassicLesson({ api }: { api: LabApi }) {
  const [ipv4, setIpv4] = useState('5');
  const [ipv6, setIpv6] = useState('3');
  const [running, setRunning] = useState(false);
  const [lesson, setLesson] = useState<Lesson | null>(null);
  const [error, setError] = useState<ErrorData | null>(null);
  const [v4, v6] = [count(ipv4), count(ipv6)];
  const bad = `a whole number from 0 to ${MAX_LESSON_PACKETS}`;
  const run = (): void => {
    if (running || v4 === null || v6 === null) return;
    setRunning(true);
    setError(null);
    api.call('lab:lesson', { lesson: 'classic-bpf', ipv4: v4, ipv6: v6 }).then(setLesson, (e: unknown) => setError(LabError.toData(e)))
      .finally(() => setRunning(false));
  };
  const dropped = lesson && {
    ipv4: lesson.seen.ipv4 - lesson.accepted.ipv4, ipv6: lesson.seen.ipv6 - lesson.accepted.ipv6, other: lesson.seen.other - lesson.accepted.other,
  };
  return (
    <section className="view lesson" aria-label="Classic BPF" tabIndex={0}>
      <p className="explain">{MACHINE}</p>
      <form className="run-form" onSubmit={(e) => { e.preventDefault(); run(); }}>
        <Field label="IPv4 packets" value={ipv4} onChange={setIpv4} inputMode="numeric" className="field-narrow" error={v4 === null ? bad : undefined} />
        <Field label="IPv6 packets" value={ipv6} onChange={setIpv6} inputMode="numeric" className="field-narrow" error={v6 === null ? bad : undefined} />
        <button type="submit" className="primary" aria-disabled={running || v4 === null || v6 === null}>
          {running ? 'Running…' : lesson ? 'Run again' : 'Run the filter'}
        </button>
      </form>
      {error ? <ErrorAlert title="The lesson could not run" error={error} /> : null}
      {lesson && dropped ? (
        <div className="lesson-result" role="region" aria-label="What the filter did">
          <h3>The filter, as the kernel holds it on the socket</h3>
          <ol className="filter-list" start={0}>
            {lesson.filter.map((insn, pc) => (
              <li key={pc}><code>({String(pc).padStart(3, '0')}) {classicText(insn, pc)}</code><span>{classicExplain(insn, pc)}</span></li>
            ))}
          </ol>
          <p>
            Sent on the lesson's own loopback: {lesson.sent.ipv4} IPv4 and {lesson.sent.ipv6} IPv6 UDP packets. A packet socket
            sees each one twice there, going out and coming back in.
          </p>
          <table className="size-table counts-table" data-testid="lesson-counts">
            <thead><tr><th>Packets</th><th>IPv4</th><th>IPv6</th><th>Other</th></tr></thead>
            <tbody>
              {([['Seen, no filter', lesson.seen], ['Accepted by the filter', lesson.accepted], ['Dropped by the filter', dropped]] as const).map(([label, t]) => (
                <tr key={label}><td>{label}</td><td>{t.ipv4}</td><td>{t.ipv6}</td><td>{t.other}</td></tr>
              ))}
            </tbody>
          </table>
          <p className="pane-note">The kernel's own count for the filtered socket: {lesson.kernel.passed} passed.</p>
          <Steps lesson={lesson} family="ipv4" />
          <Steps lesson={lesson} family="ipv6" />
          {lesson.notices.map((n) => <p key={n} className="session-note">{n}</p>)}
        </div>
      ) : null}
    </section>
  );
}
