/**
 * The run controls: Histogram or Trace, buckets (seed, log2, or linear with
 * MIN, MAX and STEP), the refresh interval, an optional PID, and Start and
 * Stop. Errors from lab:start and lab:stop appear right here, where the user
 * pressed the button. Start and Stop are aria-disabled rather than disabled,
 * so a pressed button keeps the keyboard focus, and focus moves on to the
 * other one when the session starts or ends.
 */
import { useId, useLayoutEffect, useRef, useState } from 'react';
import type { ErrorData } from '../../shared/errors.js';
import { SHORTCUTS } from '../shortcuts.js';
import {
  BUCKET_KINDS, validateStart, type BucketKind, type Mode, type StartField, type StartFormInput,
} from '../start-form.js';
import { ErrorAlert } from './ErrorAlert.js';
import { Field } from './Field.js';
import { problem, ProblemLine } from './ProblemLine.js';

interface StartFormProps {
  value: StartFormInput;
  onChange: (value: StartFormInput) => void;
  /** After a Start attempt every error shows, not only those of fields the user has left. */
  showAll: boolean;
  running: boolean;
  starting: boolean;
  stopping: boolean;
  /** Why Start cannot be pressed now (the helper is not ready), or null. */
  blocked: string | null;
  startError: ErrorData | null;
  stopError: ErrorData | null;
  onStart: () => void;
  onStop: () => void;
}

export function StartForm(props: StartFormProps) {
  const { value, onChange, showAll, running, starting, stopping } = props;
  const bucketsId = useId();
  const [touched, setTouched] = useState<ReadonlySet<StartField>>(new Set());
  const { errors } = validateStart(value);
  const shown = (f: StartField): string | undefined => (showAll || touched.has(f) ? errors[f] : undefined);
  const leave = (f: StartField) => () => setTouched((t) => new Set(t).add(f));
  const set = (patch: Partial<StartFormInput>): void => onChange({ ...value, ...patch });
  const stat = value.mode === 'stat';
  const startRef = useRef<HTMLButtonElement>(null);
  const stopRef = useRef<HTMLButtonElement>(null);
  const wasRunning = useRef(running);
  const cannotStart = running || starting || props.blocked !== null;
  const cannotStop = !running || stopping;
  const blockedId = useId();
  // The settings' errors take the note's line under the toolbar, so the toolbar never moves.
  const problemsId = useId();
  const linear = stat && value.buckets === 'linear';
  const linearTouched = showAll || touched.has('min') || touched.has('max') || touched.has('step');
  // Each message names its field, since they share one line; each field is described by its own.
  const problemFields = [
    ...(stat ? [['refresh', 'Refresh']] as const : []), ['pid', 'PID'] as const,
    ...(linear ? [['min', 'Min'], ['max', 'Max'], ['step', 'Step']] as const : []),
  ];
  const problems = [
    ...problemFields.flatMap(([f, name]) => {
      const error = shown(f);
      return error ? [problem(`${problemsId}-${f}`, name, error)] : [];
    }),
    ...(linear && linearTouched && errors.layout ? [{ id: `${problemsId}-layout`, text: errors.layout }] : []),
  ];
  const problemAt = (f: StartField): string => `${problemsId}-${f}`;

  // The button just pressed is of no use any more: hand its focus to the one that is.
  // The same when the session was started from a settings field or the probe list (Enter,
  // Ctrl+Enter): the field is locked now, and a disabled field drops the focus to the page.
  const formRef = useRef<HTMLFormElement>(null);
  useLayoutEffect(() => {
    if (wasRunning.current === running) return;
    wasRunning.current = running;
    const [from, to] = running ? [startRef.current, stopRef.current] : [stopRef.current, startRef.current];
    const active = document.activeElement;
    // A control locked with the session (a probe radio, say, after Ctrl+Enter) is about to lose it too.
    const lost = active === null || active === document.body || active.matches(':disabled');
    if ((from !== null && active === from) || (running && (lost || formRef.current?.contains(active)))) to?.focus();
  }, [running]);
  return (
    <section className="panel run" aria-labelledby="run-heading">
      <h2 id="run-heading" className="visually-hidden">Run</h2>
      <form
        ref={formRef}
        className="run-form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!cannotStart) props.onStart();
        }}
      >
        {/* The settings of a running session cannot change: they are locked until Stop. */}
        <fieldset className="settings" disabled={running}>
        <legend className="visually-hidden">Settings</legend>
        <fieldset className="modes">
          <legend className="visually-hidden">Mode</legend>
          {(['stat', 'trace'] as Mode[]).map((mode) => (
            <label key={mode} className="mode">
              <input type="radio" name="mode" value={mode} checked={value.mode === mode} onChange={() => set({ mode })} />
              {mode === 'stat' ? 'Histogram' : 'Trace'}
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={bucketsId}>Buckets</label>
          <select
            id={bucketsId}
            value={value.buckets}
            disabled={!stat}
            onChange={(e) => set({ buckets: e.target.value as BucketKind })}
          >
            {BUCKET_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
          </select>
        </div>
        <Field
          className="field-narrow" label="Refresh (s)" inputMode="decimal" value={value.refresh} disabled={!stat}
          error={stat ? shown('refresh') : undefined} errorShownAt={problemAt('refresh')}
          onChange={(refresh) => set({ refresh })} onBlur={leave('refresh')}
        />
        <Field
          className="field-narrow" label="PID" inputMode="numeric" placeholder="all" value={value.pid}
          title="Count only this process, in the kernel (the trace's Show PID only filters the list)"
          error={shown('pid')} errorShownAt={problemAt('pid')} onChange={(pid) => set({ pid })} onBlur={leave('pid')}
        />
        </fieldset>
        <div className="run-buttons">
          <button
            ref={startRef} type="submit" className="primary" aria-disabled={cannotStart}
            aria-busy={starting || undefined}
            aria-describedby={problems.length ? problemsId : props.blocked ? blockedId : undefined}
          >
            Start
          </button>
          <button
            ref={stopRef} type="button" aria-disabled={cannotStop} aria-busy={stopping || undefined}
            onClick={() => { if (!cannotStop) props.onStop(); }}
          >
            Stop
          </button>
        </div>
        {/* Its own row: the toolbar has no room for three more fields at 1024 px. */}
        {stat && value.buckets === 'linear' ? (
          <fieldset className="settings" disabled={running}>
          <legend className="visually-hidden">Linear buckets</legend>
          <div className="linear" role="group" aria-label="Linear buckets">
            <Field className="field-narrow" label="Min" inputMode="numeric" value={value.min} errorShownAt={problemAt('min')}
              error={shown('min')} onChange={(min) => set({ min })} onBlur={leave('min')} />
            <Field className="field-narrow" label="Max" inputMode="numeric" value={value.max} errorShownAt={problemAt('max')}
              error={shown('max')} onChange={(max) => set({ max })} onBlur={leave('max')} />
            <Field className="field-narrow" label="Step" inputMode="numeric" value={value.step} errorShownAt={problemAt('step')}
              error={shown('step')} onChange={(step) => set({ step })} onBlur={leave('step')} />
          </div>
          </fieldset>
        ) : null}
      </form>
      {/* The note and the problems share one cell: the note keeps its room while hidden, so nothing moves. */}
      <div className="run-status">
      {problems.length ? (
        <ProblemLine problems={problems} id={problemsId} />
      )
        : props.blocked ? <p className="run-blocked" id={blockedId}>{props.blocked}</p> : null}
      <p className={`run-note${problems.length || props.blocked ? ' hidden-note' : ''}`}>
        {starting ? 'Starting… ' : ''}{running ? 'Probe and settings locked until Stop. '
          : 'One session at a time. '}
        <span className="shortcuts">
          Shortcuts: {SHORTCUTS.map((s) => <span key={s.keys}><kbd>{s.keys}</kbd> {s.what}</span>)}
        </span>
      </p>
      </div>
      {props.startError ? <ErrorAlert error={props.startError} title="Could not start" /> : null}
      {props.stopError ? <ErrorAlert error={props.stopError} title="Could not stop" /> : null}
    </section>
  );
}
