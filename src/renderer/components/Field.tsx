/**
 * A labelled text field with its error right below it, wired for screen
 * readers (aria-invalid, aria-describedby) so every form in the app reads
 * the same way.
 */
import { useId, type InputHTMLAttributes } from 'react';

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'value'> {
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
  /** The error is shown elsewhere, in the element with this id (a toolbar keeps its height that way). */
  errorShownAt?: string | undefined;
}

export function Field({ label, value, onChange, error, hint, className, errorShownAt, ...rest }: FieldProps) {
  const id = useId();
  const errorId = errorShownAt ?? `${id}-error`;
  const described = [error ? errorId : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
  return (
    <div className={`field${className ? ` ${className}` : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        spellCheck={false}
        autoComplete="off"
        {...rest}
      />
      {hint ? <span className="field-hint" id={`${id}-hint`}>{hint}</span> : null}
      {error && !errorShownAt ? <span className="field-error" id={errorId}>{error}</span> : null}
    </div>
  );
}
