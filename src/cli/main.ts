#!/usr/bin/env node
/**
 * bpf-lab: the headless front end. It parses the command line, starts the root
 * helper (inside this process as root; otherwise as a child through pkexec and
 * the installed launcher) and prints what it streams.
 */
import './no-inspector.js'; // first: for root, SIGUSR1 must never open a debugger
import { HelperClient } from '../backend/helper-client.js';
import { commandLineLaunch } from '../backend/launch.js';
import { LabError } from '../shared/errors.js';
import { escapeTerminal } from '../shared/safe-text.js';
import { VERSION } from '../shared/version.js';
import { parseCommand, USAGE, UsageError, type Command } from './args.js';
import { jsonOutput, textOutput } from './output.js';
import { runSession } from './session.js';

const write = (stream: NodeJS.WriteStream) => (text: string): void => {
  if (stream.writable) stream.write(text);
};

// A reader that went away (bpf-lab ... | head) is not an error: sessions end on it (session.ts).
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
});

async function run(cmd: Exclude<Command, { name: 'help' | 'version' }>): Promise<number> {
  // serve, inspect and lesson are loaded only when asked for: a start of stat or trace is not
  // made to wait for the web server's and the inspectors' modules.
  if (cmd.name === 'serve') return (await import('./serve.js')).runServe(cmd, write(process.stdout));
  // inspect and lesson --json print one document on stdout; their notices and logs go to stderr.
  const json = cmd.json && cmd.name !== 'inspect' && cmd.name !== 'lesson';
  const chosen = json ? jsonOutput(write(process.stdout)) : textOutput(write(process.stdout), write(process.stderr));
  // --quiet: no notices; the helper's errors still come through (as log lines, below).
  const quiet = 'quiet' in cmd && cmd.quiet;
  const out = quiet ? { ...chosen, notice: (): void => undefined } : chosen;
  const launch = commandLineLaunch({ verbose: cmd.verbose, system: 'system' in cmd && cmd.system });
  // As root, the helper runs inside this process (helper/in-process.ts): one Node to start, not two.
  const client = launch.via === 'direct' && process.geteuid?.() === 0
    ? await HelperClient.start(launch, (await import('../../helper/in-process.js')).inProcessHelper(cmd.verbose))
    : await HelperClient.start(launch);
  // The helper's and libbpf's log with --verbose; errors always.
  client.onPush((push) => {
    if (push.type === 'log' && (cmd.verbose || push.level === 'error')) chosen.notice(`${push.level}: ${push.message}`);
  });
  try {
    if (cmd.name === 'probes') {
      out.probes(await client.request('probes', { refresh: cmd.refresh }));
      return 0;
    }
    if (cmd.name === 'inspect') return await (await import('./inspect.js')).runInspect(client, cmd, write(process.stdout), write(process.stderr));
    if (cmd.name === 'lesson') return await (await import('./lesson.js')).runLesson(client, cmd, write(process.stdout));
    return await runSession(client, cmd, out);
  } finally {
    await client.close();
  }
}

/** Exit status for a failure: 2 when the probe names nothing that exists, as for other bad input. */
function statusOf(e: LabError): number {
  return e.code === 'bad-probe' || e.code === 'bad-request' ? 2 : 1;
}

async function main(argv: string[]): Promise<number> {
  let cmd: Command;
  try {
    cmd = parseCommand(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(escapeTerminal(`bpf-lab: ${e.message}\nTry 'bpf-lab --help'.\n`));
    return 2;
  }
  if (cmd.name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (cmd.name === 'version') {
    process.stdout.write(`bpf-lab ${VERSION}\n`);
    return 0;
  }
  try {
    return await run(cmd);
  } catch (e) {
    if (!(e instanceof LabError)) throw e;
    // Errors quote paths, names and the helper's or the verifier's output: escaped for the terminal.
    process.stderr.write(escapeTerminal(`bpf-lab: ${e.message}\n${e.detail ? `${e.detail}\n` : ''}`));
    return statusOf(e);
  }
}

main(process.argv.slice(2)).then((status) => {
  process.exitCode = status;
}, (e: unknown) => {
  process.stderr.write(escapeTerminal(`bpf-lab: internal error: ${e instanceof Error ? e.stack : String(e)}\n`));
  process.exitCode = 1;
});
