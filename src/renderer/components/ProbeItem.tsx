/**
 * One catalog probe in the picker: a radio with its id and title, whether it
 * works on this kernel, and on one line how it attaches or, when it cannot
 * work, the headline reason (the first of its reasons).
 */
import { useId } from 'react';
import type { CatalogId } from '../../shared/probes.js';
import type { ProbeStatus } from '../../shared/protocol.js';

interface ProbeItemProps {
  id: CatalogId;
  /** Missing until the catalog has been checked. */
  status: ProbeStatus | undefined;
  /** Whether a check is under way (else a missing status means "not checked"). */
  checking?: boolean;
  checked: boolean;
  onChoose: (id: CatalogId) => void;
}

/**
 * Why a probe cannot work here, short enough for its line in the list: the first sentence of
 * the first reason, cut at its first clause when long. The card in the main area has them whole.
 */
export function headline(status: ProbeStatus): string {
  const first = status.reasons[0]?.message;
  if (!first) return 'This probe cannot attach on this kernel.';
  const sentence = /^.*?[.!?](?=\s|$)/.exec(first)?.[0] ?? first;
  const comma = sentence.indexOf(', ');
  return sentence.length > 70 && comma > 0 ? `${sentence.slice(0, comma)}.` : sentence;
}

const BADGE = { checking: 'checking…', unknown: 'not checked', works: 'works', unavailable: 'unavailable' } as const;

export function ProbeItem({ id, status, checked, onChoose, checking = false }: ProbeItemProps) {
  const inputId = useId();
  const lineId = `${inputId}-line`;
  const state = status === undefined ? (checking ? 'checking' : 'unknown') : status.available ? 'works' : 'unavailable';
  return (
    <li className={`probe probe-${state}${checked ? ' probe-checked' : ''}`}>
      <input
        type="radio"
        name="probe"
        id={inputId}
        value={id}
        checked={checked}
        onChange={() => onChoose(id)}
        aria-describedby={lineId}
        data-testid={`probe-${id}`}
      />
      <label htmlFor={inputId}>
        <span className="probe-id">{id}</span>
        <span className="probe-title">{status?.title ?? ''}</span>
        {state === 'works' ? (
          // A tick saves room for the title; the word is still there for screen readers.
          <span className="badge badge-works"><span aria-hidden="true">✓</span><span className="visually-hidden">works</span></span>
        ) : <span className={`badge badge-${state}`}>{BADGE[state]}</span>}
      </label>
      {status === undefined ? (
        <p className="probe-line" id={lineId}>{checking ? 'Trying it on this kernel…' : 'Not checked: the helper is not ready.'}</p>
      ) : status.available ? (
        <p className="probe-line" id={lineId} title={status.via}>via {status.via}</p>
      ) : (
        <p className="probe-line probe-reason" id={lineId} title={headline(status)} data-testid={`probe-reason-${id}`}>
          {headline(status)}
        </p>
      )}
    </li>
  );
}
