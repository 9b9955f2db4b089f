/**
 * React glue for the lab: the controller's snapshot, the probe catalog, and
 * redraw pacing (at most once per animation frame for the trace store, a
 * slow tick for rates that must fall to 0 when nothing arrives).
 */
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { LabError, type ErrorData } from '../shared/errors.js';
import type { LabApi, ProbesResult } from '../shared/lab-api.js';
import { LabController, type LabState } from './lab-controller.js';
import type { TraceStore } from './trace-store.js';

/**
 * One controller for the window, fed by the live stream and a first lab:status
 * (which loses to a status the stream delivered before its reply).
 */
export function useLab(api: LabApi): { state: LabState; controller: LabController } {
  const [controller] = useState(() => new LabController());
  const state = useSyncExternalStore(controller.subscribe, controller.getState);
  useEffect(() => {
    const unsubscribe = api.subscribe((event) => controller.handle(event));
    api.call('lab:status', {}).then(
      (status) => controller.initialStatus(status),
      (e: unknown) => controller.log('error', `Could not read the lab's status: ${LabError.toData(e).message}`),
    );
    return unsubscribe;
  }, [api, controller]);
  return { state, controller };
}

export interface ProbesState {
  probes: ProbesResult | null;
  error: ErrorData | null;
  loading: boolean;
  /** Tries every probe again now (the app's "Check again"), instead of the answer kept for this boot. */
  recheck: () => void;
}

/**
 * The catalog with live availability, asked for again each time the helper
 * becomes ready (the helper keeps its answer for the boot) and tried again on
 * recheck. Only the newest request's answer counts, so overlapping requests
 * cannot finish out of order.
 */
export function useProbes(api: LabApi, helperReady: boolean): ProbesState {
  const [probes, setProbes] = useState<ProbesResult | null>(null);
  const [error, setError] = useState<ErrorData | null>(null);
  const [loading, setLoading] = useState(false);
  const latest = useRef(0);
  const load = useCallback((refresh: boolean) => {
    const request = ++latest.current;
    const current = (): boolean => request === latest.current;
    setLoading(true);
    setError(null);
    api.call('lab:probes', { refresh }).then(
      (result) => { if (current()) setProbes(result); },
      (e: unknown) => { if (current()) setError(LabError.toData(e)); },
    ).finally(() => { if (current()) setLoading(false); });
  }, [api]);
  useEffect(() => {
    if (helperReady) load(false);
  }, [helperReady, load]);
  const recheck = useCallback(() => load(true), [load]);
  return { probes, error, loading, recheck };
}

/** The store's version, updated at most once per animation frame however often it changes. */
export function useFrameVersion(store: TraceStore | null): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (!store) return undefined;
    let frame = 0;
    const unsubscribe = store.subscribe(() => {
      if (frame !== 0) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        setVersion(store.version);
      });
    });
    setVersion(store.version);
    return () => {
      unsubscribe();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, [store]);
  return version;
}

/** A counter that grows every `ms` milliseconds while `on`, to refresh time-based figures. */
export function useTick(ms: number, on: boolean): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!on) return undefined;
    const timer = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms, on]);
  return tick;
}
