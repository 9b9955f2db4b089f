/**
 * The probe picker: the catalog from lab:probes with each probe's live
 * availability (why not, in short, for one that cannot work here: the card in
 * the main area has it whole), and a "Custom probe" choice for the form below it.
 */
import { Fragment, useId } from 'react';
import { CATALOG_IDS, type CatalogId } from '../../shared/probes.js';
import type { ProbesState } from '../hooks.js';
import type { ProbeChoice } from '../probe-choice.js';
import { ErrorAlert } from './ErrorAlert.js';
import { ProbeItem } from './ProbeItem.js';

interface ProbePickerProps {
  catalog: ProbesState;
  choice: ProbeChoice;
  onChoose: (choice: ProbeChoice) => void;
  /** A session runs: the choice cannot change until Stop. */
  locked?: boolean;
}

function yesNo(on: boolean): string {
  return on ? 'yes' : 'no';
}

/** When the probes were tried, in the user's clock: the time today, else the date and time. */
function checkedWhen(at: number, now = new Date()): string {
  const when = new Date(at);
  const time = when.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return when.toDateString() === now.toDateString() ? `at ${time}` : `on ${when.toLocaleDateString()} at ${time}`;
}

export function ProbePicker({ catalog, choice, onChoose, locked = false }: ProbePickerProps) {
  const customId = useId();
  const { probes, error, loading, recheck } = catalog;
  const byId = new Map(probes?.probes.map((p) => [p.id, p]));
  const choose = (id: CatalogId): void => onChoose({ kind: 'catalog', id });
  const kernel = probes?.kernel;
  return (
    <section className="panel" aria-labelledby="probe-heading">
      <div className="panel-head">
        <h2 id="probe-heading">Probe</h2>
        {/* aria-disabled, not disabled: a focused button that disables itself drops the focus to the page. */}
        <button type="button" className="quiet" onClick={() => { if (!loading) recheck(); }} aria-disabled={loading}>
          {loading ? 'Checking…' : 'Check again'}
        </button>
      </div>
      {kernel ? (
        <p className="panel-note">
          kprobes {yesNo(kernel.kprobes)}, uprobes {yesNo(kernel.uprobes)}, BTF {yesNo(kernel.btf)}, libbpf {kernel.libbpf}.
          {' '}<span data-testid="probes-checked">Tried {checkedWhen(probes.checkedAt)}.</span>
        </p>
      ) : (
        <p className="panel-note">{loading ? 'Trying every probe on this kernel…' : 'Waiting for the helper…'}</p>
      )}
      {error ? <ErrorAlert error={error} title="Could not check the probes" /> : null}
      <fieldset className="probe-list" disabled={locked}>
        <legend className="visually-hidden">Probe to attach</legend>
        <ul>
          {CATALOG_IDS.map((id) => (
            <Fragment key={id}>
              <ProbeItem
                id={id} status={byId.get(id)} checking={loading}
                checked={choice.kind === 'catalog' && choice.id === id} onChoose={choose}
              />

            </Fragment>
          ))}
          <li className={`probe${choice.kind === 'custom' ? ' probe-checked' : ''}`}>
            <input
              type="radio"
              name="probe"
              id={customId}
              value="custom"
              checked={choice.kind === 'custom'}
              onChange={() => onChoose({ kind: 'custom' })}
              data-testid="probe-custom"
            />
            <label htmlFor={customId}>
              <span className="probe-id">custom</span>
              <span className="probe-title">A kprobe, tracepoint or uprobe of your own (below)</span>
            </label>
          </li>
        </ul>
      </fieldset>
    </section>
  );
}
