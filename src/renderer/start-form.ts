/**
 * The start form's fields (mode, buckets, refresh interval, pid) and the check
 * that turns them into a lab:start request. Buckets are checked with the
 * shared parseLayout, the same function the CLI and the helper use.
 */
import { formatLayout, parseLayout } from '../shared/buckets.js';
import type { LabStatus, StartRequest } from '../shared/lab-api.js';
import { MAX_PID, NEEDS_ROOT, parsePid, type ProbeSpec } from '../shared/probes.js';
import type { ProbeStatus } from '../shared/protocol.js';

export type Mode = 'stat' | 'trace';
export const BUCKET_KINDS = ['seed', 'log2', 'linear'] as const;
export type BucketKind = (typeof BUCKET_KINDS)[number];

export interface StartFormInput {
  mode: Mode;
  buckets: BucketKind;
  min: string;
  max: string;
  step: string;
  /** Seconds between snapshots, as typed. */
  refresh: string;
  pid: string;
}

export type StartField = 'min' | 'max' | 'step' | 'layout' | 'refresh' | 'pid';
export type StartErrors = Partial<Record<StartField, string>>;

export const DEFAULT_START: StartFormInput = {
  mode: 'stat', buckets: 'seed', min: '0', max: '1024', step: '64', refresh: '2', pid: '',
};

export interface StartSettings {
  mode: Mode;
  layout: string;
  intervalMs: number;
  pid?: number;
}

function layoutText(input: StartFormInput, errors: StartErrors): string | null {
  if (input.buckets !== 'linear') return input.buckets;
  const parts = { min: input.min.trim(), max: input.max.trim(), step: input.step.trim() } as const;
  for (const field of ['min', 'max', 'step'] as const) {
    if (!/^\d+$/.test(parts[field])) errors[field] = 'A whole number of bytes.';
  }
  if (errors.min || errors.max || errors.step) return null;
  try {
    return formatLayout(parseLayout(`linear:${parts.min}:${parts.max}:${parts.step}`));
  } catch (e) {
    // parseLayout speaks CLI ("bad buckets "linear:…": MAX must…"); keep the reason.
    const message = e instanceof Error ? e.message : String(e);
    errors.layout = message.replace(/^bad buckets "[^"]*": /, '').replace(/^./, (c) => c.toUpperCase());
    return null;
  }
}

/** Checks every field; settings when all is well, else null and a message per wrong field. */
export function validateStart(input: StartFormInput): { settings: StartSettings | null; errors: StartErrors } {
  const errors: StartErrors = {};
  const layout = input.mode === 'stat' ? layoutText(input, errors) : 'seed';
  let intervalMs = 2000;
  if (input.mode === 'stat') {
    const seconds = Number(input.refresh.trim());
    if (input.refresh.trim() === '' || !Number.isFinite(seconds) || seconds < 0.1 || seconds > 60) {
      errors.refresh = 'Seconds between snapshots: 0.1 to 60.';
    } else {
      intervalMs = Math.round(seconds * 1000);
    }
  }
  let pid: number | undefined;
  const pidText = input.pid.trim();
  if (pidText !== '') {
    pid = parsePid(pidText) ?? undefined;
    if (pid === undefined) errors.pid = `A process id from 1 to ${MAX_PID}, or empty for every process.`;
  }
  if (Object.keys(errors).length > 0 || layout === null) return { settings: null, errors };
  return { settings: { mode: input.mode, layout, intervalMs, ...(pid === undefined ? {} : { pid }) }, errors };
}

/** The lab:start request for a checked form and a chosen probe. */
export function startRequest(settings: StartSettings, probe: ProbeSpec): StartRequest {
  return { ...settings, probe };
}

/** Why Start cannot be pressed yet (shown beside it), or null once the helper is ready. */
export function startBlocker(status: LabStatus | null, chosen?: ProbeStatus): string | null {
  const helper = status?.helper;
  if (!helper) return 'Start waits for the connection to the backend…';
  if (helper.state === 'starting') return 'Start waits for the helper to start…';
  if (helper.state === 'stopped') return 'Start needs the helper: press Restart at the top.';
  if (chosen && !chosen.available) {
    // Refused to this user (helper/probe-status.ts forOwnProcesses), not by the kernel: the card gives the reason.
    if (chosen.reasons.some((r) => r.code === NEEDS_ROOT)) return `${chosen.id} is kept for root here: its card says why.`;
    return `${chosen.id} cannot be probed on this kernel: choose a probe marked ✓ (Check again tries them all anew).`;
  }
  return null;
}
