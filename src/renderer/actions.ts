/**
 * What the user's buttons do: lab:start, lab:stop and lab:restart, each with
 * its own error kept for display beside the control that caused it. Each
 * ignores a second press while its first call is still in flight.
 */
import { useCallback, useRef, useState } from 'react';
import { LabError, type ErrorData } from '../shared/errors.js';
import type { LabApi, StartRequest } from '../shared/lab-api.js';
import type { LabController } from './lab-controller.js';

export interface Actions {
  start(request: StartRequest): Promise<void>;
  stop(session: number): Promise<void>;
  restart(): Promise<void>;
  /** Forgets the last start's error: it was about another probe than the one now chosen. */
  clearStartError(): void;
  startError: ErrorData | null;
  stopError: ErrorData | null;
  restartError: ErrorData | null;
  stopping: boolean;
  restarting: boolean;
}

/** Runs `work` unless the previous run of the same action has not finished. */
function once(flight: { current: boolean }, work: () => Promise<void>): Promise<void> {
  if (flight.current) return Promise.resolve();
  flight.current = true;
  return work().finally(() => { flight.current = false; });
}

export function useActions(api: LabApi, controller: LabController): Actions {
  const [startError, setStartError] = useState<ErrorData | null>(null);
  const [stopError, setStopError] = useState<ErrorData | null>(null);
  const [restartError, setRestartError] = useState<ErrorData | null>(null);
  const [stopping, setStopping] = useState(false);
  const [restarting, setRestarting] = useState(false);
  const starts = useRef(false);
  const stops = useRef(false);
  const restarts = useRef(false);

  const start = useCallback((request: StartRequest) => once(starts, async () => {
    setStartError(null);
    setStopError(null);
    controller.beginStart();
    try {
      controller.started(await api.call('lab:start', request));
    } catch (e) {
      controller.startFailed();
      setStartError(LabError.toData(e));
    }
  }), [api, controller]);

  const stop = useCallback((session: number) => once(stops, async () => {
    setStopError(null);
    setStopping(true);
    try {
      const result = await api.call('lab:stop', { session });
      controller.end(session, { result });
    } catch (e) {
      const error = LabError.toData(e);
      // Already over (it ended on its own, or another window stopped it): nothing left to stop.
      if (error.code === 'no-session') controller.end(session, {});
      else setStopError(error);
    } finally {
      setStopping(false);
    }
  }), [api, controller]);

  const restart = useCallback(() => once(restarts, async () => {
    setRestartError(null);
    setRestarting(true);
    try {
      controller.setStatus(await api.call('lab:restart', {}));
    } catch (e) {
      setRestartError(LabError.toData(e));
    } finally {
      setRestarting(false);
    }
  }), [api, controller]);

  const clearStartError = useCallback(() => setStartError(null), []);
  return { start, stop, restart, clearStartError, startError, stopError, restartError, stopping, restarting };
}
