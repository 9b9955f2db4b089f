/**
 * One figure in a view's header (Total, Events/s, Skipped): a label over a
 * number, with the number alone in the element tests and screen readers read.
 */
import type { ReactNode } from 'react';

interface StatProps {
  label: string;
  value: ReactNode;
  testId: string;
  unit?: string;
  title?: string;
  warn?: boolean;
}

export function Stat({ label, value, testId, unit, title, warn }: StatProps) {
  return (
    <div className={`stat${warn ? ' stat-warn' : ''}`} title={title}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">
        <span data-testid={testId}>{value}</span>
        {unit ? <span className="stat-unit"> {unit}</span> : null}
      </span>
    </div>
  );
}
