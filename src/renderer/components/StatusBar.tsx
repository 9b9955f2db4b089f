/**
 * The bar along the top: the helper's state, the kernel, how the helper got
 * root, whose processes it counts, and what is attached right now. When the helper has stopped it says
 * why in plain words and offers Restart; once Restart has brought the helper
 * back (and its block is gone), the keyboard focus goes to the helper's state.
 */
import { useEffect, useRef } from 'react';
import type { ErrorData } from '../../shared/errors.js';
import type { LabStatus } from '../../shared/lab-api.js';
import type { Scope } from '../../shared/protocol.js';
import type { LogLine, SessionView } from '../lab-state.js';
import { ErrorAlert } from './ErrorAlert.js';

interface StatusBarProps {
  status: LabStatus | null;
  session: SessionView | null;
  notice: LogLine | null;
  restarting: boolean;
  restartError: ErrorData | null;
  onRestart: () => void;
}

const PRIVILEGE: Record<string, string> = { root: 'root', pkexec: 'pkexec' };

const SCOPE: Record<Scope, { text: string; why: string }> = {
  'every-process': { text: 'every process', why: 'The helper runs for root, so every process on this machine is counted.' },
  'own-processes': {
    text: 'your processes',
    why: 'Only your own processes are counted, the ones you could debug: other users\' activity is theirs, and a '
      + 'setuid or setgid program stops counting once it runs with ids that are not yours. Root counts every process.',
  },
};

export function StatusBar({ status, session, notice, restarting, restartError, onRestart }: StatusBarProps) {
  const helper = status?.helper;
  const state = helper?.state ?? 'connecting';
  const kernel = helper?.state === 'ready' ? `${helper.kernel.release} (${helper.kernel.arch})` : '—';
  const attached = session && !session.ended ? session.info.via : 'nothing';
  const helperItem = useRef<HTMLSpanElement>(null);
  const restartPressed = useRef(false);
  useEffect(() => {
    if (state === 'stopped' || !restartPressed.current) return;
    restartPressed.current = false;
    // The focused Restart button went away with its block: focus fell to the page.
    const active = document.activeElement;
    if (active === null || active === document.body) helperItem.current?.focus();
  }, [state]);
  return (
    <header className="status-bar">
      <div className="status-items">
        <h1 className="app-name">BPF Lab</h1>
        <span ref={helperItem} tabIndex={-1} className={`status-item state-${state}`}>
          <span className="status-dot" aria-hidden="true" />
          Helper <strong data-testid="helper-state">{state}</strong>
        </span>
        <span className="status-item">Kernel <strong data-testid="kernel-release">{kernel}</strong></span>
        <span className="status-item">
          Privileges <strong data-testid="privilege-mode">{helper ? PRIVILEGE[helper.privilege] : '—'}</strong>
        </span>
        {helper?.state === 'ready' ? (
          <span className="status-item" title={SCOPE[helper.scope].why}>
            Counts <strong data-testid="scope">{SCOPE[helper.scope].text}</strong>
          </span>
        ) : null}
        <span className="status-item status-attached">
          Attached <strong data-testid="attached-probe" title={attached}>{attached}</strong>
        </span>
        <span className={`status-item status-log log-${notice?.level ?? 'none'}`} role="status" title={notice?.message}>
          {notice?.message ?? ''}
        </span>
      </div>
      {helper?.state === 'stopped' ? (
        <div className="status-stopped">
          <p role="alert">The helper has stopped: {helper.error.message}</p>
          <button
            type="button" aria-disabled={restarting}
            onClick={() => {
              if (restarting) return;
              restartPressed.current = true;
              onRestart();
            }}
          >
            {restarting ? 'Restarting…' : 'Restart'}
          </button>
          {restartError ? <ErrorAlert error={restartError} title="Restart failed" /> : null}
        </div>
      ) : null}
    </header>
  );
}
