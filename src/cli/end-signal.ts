/** When a CLI run that streams (stat, trace, inspect with CMD) should end, and what signals do meanwhile. */
import type { GatedChild } from './gated-child.js';

/**
 * Resolves when the session should end: --count reached, CMD exited, stdout closed
 * (bpf-lab ... | head), or, without CMD, Ctrl-C or SIGTERM. With CMD, Ctrl-C reaches
 * CMD itself and SIGTERM is passed on to it. cleanup() may be called more than once.
 */
export function endSignal(child: GatedChild | null): { done: Promise<void>; finish: () => void; cleanup: () => void } {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => { finish = resolve; });
  const handlers: Array<[NodeJS.Signals, () => void]> = child
    ? [['SIGINT', () => undefined], ['SIGTERM', () => child.terminate()]]
    : [['SIGINT', finish], ['SIGTERM', finish]];
  for (const [signal, handler] of handlers) process.on(signal, handler);
  const onStdoutError = (): void => finish();
  process.stdout.on('error', onStdoutError);
  if (child) void child.exited.then(finish);
  return {
    done,
    finish,
    cleanup: () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      process.stdout.off('error', onStdoutError);
    },
  };
}
