/**
 * Which probe the user has picked: a catalog entry, or the custom form. Turns
 * the pick into the ProbeSpec that lab:start takes, checking the custom form
 * first so nothing malformed is sent.
 */
import type { ProbesResult } from '../shared/lab-api.js';
import type { CatalogId, ProbeSpec } from '../shared/probes.js';
import type { ProbeStatus } from '../shared/protocol.js';
import { validateCustom, type CustomErrors, type CustomProbeInput } from './custom-probe.js';

export type ProbeChoice = { kind: 'catalog'; id: CatalogId } | { kind: 'custom' };

export const DEFAULT_CHOICE: ProbeChoice = { kind: 'catalog', id: 'auto' };

export function choiceSpec(choice: ProbeChoice, custom: CustomProbeInput): { spec: ProbeSpec | null; errors: CustomErrors } {
  if (choice.kind === 'catalog') return { spec: { kind: 'catalog', id: choice.id }, errors: {} };
  return validateCustom(custom);
}

/** The chosen catalog probe's status, when it is known. */
export function chosenStatus(choice: ProbeChoice, probes: ProbesResult | null): ProbeStatus | undefined {
  if (choice.kind !== 'catalog') return undefined;
  return probes?.probes.find((p) => p.id === choice.id);
}
