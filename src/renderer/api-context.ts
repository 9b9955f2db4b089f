/**
 * The LabApi for components, handed down from the entry point through a React
 * context, so no component knows (or imports) which transport carries it.
 */
import { createContext, useContext } from 'react';
import type { LabApi } from '../shared/lab-api.js';

export const LabApiContext = createContext<LabApi | null>(null);

export function useLabApi(): LabApi {
  const api = useContext(LabApiContext);
  if (!api) throw new Error('useLabApi needs a LabApiContext provider (see main.tsx)');
  return api;
}
