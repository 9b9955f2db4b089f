/**
 * The Inside view's data: the inspection of the session's program, asked for once per session
 * (the helper decodes and disassembles it once), and its maps and cost, read again at the
 * session's snapshot interval while the view is open and the session runs. After the session
 * ends, the last of both stay, so the learner can go on reading.
 */
import { useEffect, useRef, useState } from 'react';
import { LabError, type ErrorData } from '../shared/errors.js';
import type { Inspection, Sample } from '../shared/inspect.js';
import type { LabApi } from '../shared/lab-api.js';
import type { CostReading } from './cost.js';

export interface InsideData {
  /** Which session this is about. */
  session: number;
  /** The session ended before its program was read: there is nothing to show. */
  missed: boolean;
  inspection: Inspection | null;
  error: ErrorData | null;
  /** The newest sample and the one before it (for the CPU share between them). */
  sample: { now: Sample; at: number } | null;
  previousCost: CostReading | null;
}

/** The shortest time between two samples, whatever the session's snapshot interval. */
const MIN_SAMPLE_MS = 500;

/**
 * Inspects `session` the first time `open` is true for it while it runs (again after a failure);
 * then samples it every `intervalMs` while it runs and the view is open, one request at a time.
 */
export function useInside(api: LabApi, session: number | null, open: boolean, running: boolean, intervalMs: number): InsideData | null {
  const [data, setData] = useState<InsideData | null>(null);
  const requested = useRef<number | null>(null);
  const current = data?.session === session ? data : null;
  useEffect(() => {
    if (!open || session === null || requested.current === session) return;
    requested.current = session;
    const empty = { session, inspection: null, error: null, sample: null, previousCost: null };
    if (!running) {
      setData({ ...empty, missed: true });
      return;
    }
    setData({ ...empty, missed: false });
    // An answer for a session no longer shown is dropped; a failure may be tried again on the next visit.
    api.call('lab:inspect', { session }).then(
      (inspection) => setData((d) => (d?.session === session ? { ...d, inspection } : d)),
      (e: unknown) => {
        if (requested.current === session) requested.current = null;
        setData((d) => (d?.session === session ? { ...d, error: LabError.toData(e) } : d));
      },
    );
  }, [api, session, open, running]);
  const sampling = open && running && session !== null && current?.inspection != null;
  useEffect(() => {
    if (!sampling || session === null) return undefined;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // The next sample is asked for only after the last one came back, so requests never pile up.
    const read = (): void => {
      api.call('lab:sample', { session }).then((now) => {
        if (!live) return;
        const at = Date.now();
        setData((d) => (d?.session === session
          ? { ...d, sample: { now, at }, previousCost: d.sample ? { cost: d.sample.now.cost, at: d.sample.at } : null } : d));
        timer = setTimeout(read, Math.max(intervalMs, MIN_SAMPLE_MS));
      }, () => undefined); // the session ended meanwhile: the last sample stays
    };
    read();
    return () => { live = false; clearTimeout(timer); };
  }, [api, session, sampling, intervalMs]);
  return current;
}
