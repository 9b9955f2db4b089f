/**
 * The Custom section: a kprobe (FUNCTION, ARG), tracepoint (CATEGORY, EVENT,
 * FIELD) or uprobe (PATH, SYMBOL, ARG) of the user's own. Fields are checked
 * as the user leaves them and again on Start, and each error sits under its
 * field. Editing a field picks the custom probe; merely tabbing through does not.
 */
import { useId, useState } from 'react';
import { probeName } from '../../shared/probes.js';
import {
  CUSTOM_KINDS, KIND_FIELDS, validateCustom, type CustomField, type CustomKind, type CustomProbeInput,
} from '../custom-probe.js';
import { Field } from './Field.js';

interface CustomProbeFormProps {
  value: CustomProbeInput;
  onChange: (value: CustomProbeInput) => void;
  active: boolean;
  onActivate: () => void;
  /** Show every error, not only those of fields the user has left (after a Start attempt). */
  showAll: boolean;
  /** The helper runs for a user through pkexec: it offers the catalog only. */
  catalogOnly?: boolean;
  /** A session runs: its fields cannot change until Stop. */
  locked?: boolean;
}

const FIELDS: Record<CustomField, { label: string; placeholder: string; numeric?: boolean }> = {
  func: { label: 'Function', placeholder: 'vfs_read' },
  kprobeArg: { label: 'Argument (1-6)', placeholder: '3', numeric: true },
  category: { label: 'Category', placeholder: 'kmem' },
  event: { label: 'Event', placeholder: 'kmalloc' },
  field: { label: 'Field', placeholder: 'bytes_req' },
  path: { label: 'Path', placeholder: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
  symbol: { label: 'Symbol', placeholder: 'strlen' },
  uprobeArg: { label: 'Argument (1-6)', placeholder: '1', numeric: true },
};

const KIND_HELP: Record<CustomKind, string> = {
  kprobe: 'A kernel function and the argument that holds the size.',
  tracepoint: 'A tracepoint and its unsigned numeric field that holds the size.',
  uprobe: 'A binary or library by absolute path, a function in it, and the size argument.',
};

export function CustomProbeForm({ value, onChange, active, onActivate, showAll, catalogOnly = false, locked = false }: CustomProbeFormProps) {
  const kindId = useId();
  const [touched, setTouched] = useState<ReadonlySet<CustomField>>(new Set());
  const { spec, errors } = validateCustom(value);
  const shown = (field: CustomField): string | undefined => (showAll || touched.has(field) ? errors[field] : undefined);
  return (
    <section className={`panel custom${active ? ' panel-active' : ''}`} aria-labelledby="custom-heading">
      <div className="panel-head">
        <h2 id="custom-heading">Custom</h2>
        {active ? <span className="badge badge-works">selected</span> : null}
      </div>
      {catalogOnly ? (
        <p className="panel-note" data-testid="custom-needs-root">
          Custom probes need root: the helper runs for you through pkexec, which allows the catalog only.
        </p>
      ) : null}
      {!active ? (
        <p className="panel-note">
          Choose <strong>custom</strong> in the list to describe a probe of your own: a kernel function, a tracepoint
          or a function in a program.
        </p>
      ) : null}
      {/* Its fields only while it is chosen: Tab does not walk through them, and nothing turns red unasked. */}
      {active ? (<fieldset disabled={locked}>
      <legend className="visually-hidden">Custom probe</legend>
      <div className="field">
        <label htmlFor={kindId}>Kind</label>
        <select
          id={kindId}
          value={value.kind}
          onChange={(e) => {
            onActivate();
            onChange({ ...value, kind: e.target.value as CustomKind });
          }}
        >
          {CUSTOM_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
        </select>
      </div>
      <p className="panel-note">{KIND_HELP[value.kind]}</p>
      <div className="custom-fields">
        {KIND_FIELDS[value.kind].map((field) => (
          <Field
            key={field}
            className={FIELDS[field].numeric ? 'field-narrow' : undefined}
            label={FIELDS[field].label}
            placeholder={FIELDS[field].placeholder}
            inputMode={FIELDS[field].numeric ? 'numeric' : undefined}
            value={value[field]}
            error={shown(field)}
            onChange={(text) => {
              onActivate();
              onChange({ ...value, [field]: text });
            }}
            onBlur={() => setTouched((t) => new Set(t).add(field))}
          />
        ))}
      </div>
      {errors.spec && showAll ? <p className="field-error">{errors.spec}</p> : null}
      {spec ? <p className="panel-note">Will attach <code>{probeName(spec)}</code></p> : null}
      </fieldset>) : null}
    </section>
  );
}
