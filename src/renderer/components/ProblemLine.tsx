/**
 * A form's errors on one line, in the cell of the note below it (so showing them moves
 * nothing): each names its field, and each field's aria-describedby points at its own span.
 */
import { Fragment } from 'react';

export interface Problem {
  /** The id its field's aria-describedby names (Field's errorShownAt). */
  id: string;
  text: string;
}

/** One field's error as the shared line says it: "Name: the error". */
export function problem(id: string, name: string, error: string): Problem {
  return { id, text: `${name}: ${error.replace(/^./, (c) => c.toLowerCase())}` };
}

export function ProblemLine({ problems, id, testId }: { problems: readonly Problem[]; id?: string; testId?: string }) {
  return (
    <p className="run-problems field-error" id={id} data-testid={testId}>
      {problems.map((p, i) => <Fragment key={p.id}>{i > 0 ? ' ' : null}<span id={p.id}>{p.text}</span></Fragment>)}
    </p>
  );
}
