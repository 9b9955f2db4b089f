/**
 * `bpf-lab serve`: the app's UI for a browser, for lab machines and servers
 * with no desktop. The same LabService as the desktop app drives the helper;
 * the page is reached on 127.0.0.1 (or through an SSH tunnel) with the token
 * printed here. Runs until Ctrl-C or SIGTERM, then detaches everything.
 */
import fs from 'node:fs';
import { commandLineLaunch } from '../backend/launch.js';
import { LabService } from '../backend/lab-service.js';
import { rendererRoot } from '../backend/web/static-files.js';
import { newToken } from '../backend/web/guard.js';
import { startWebServer } from '../backend/web/web-server.js';
import { LabError } from '../shared/errors.js';
import type { Command } from './args.js';

export async function runServe(cmd: Extract<Command, { name: 'serve' }>, say: (text: string) => void): Promise<number> {
  const root = rendererRoot();
  if (!fs.existsSync(`${root}/index.html`)) {
    throw new LabError('setup', `the app's pages are not built (${root} is missing): run npm run build:app`);
  }
  const service = new LabService({ launch: commandLineLaunch({ verbose: cmd.verbose, system: cmd.system }) });
  await service.start();
  const { helper } = service.status();
  if (helper.state === 'stopped') {
    await service.dispose();
    throw LabError.fromData(helper.error);
  }
  const token = newToken();
  let server;
  try {
    server = await startWebServer({ service, root, port: cmd.port, token });
  } catch (e) {
    await service.dispose();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new LabError('bad-request', `port ${cmd.port} is in use: choose another with --port`);
    throw e;
  }
  const base = `http://127.0.0.1:${server.port}/`;
  say(`BPF Lab is serving on ${base} (this machine only).\n`);
  say(`Open: ${base}#token=${token}\n`);
  say(`From another machine: ssh -L ${server.port}:127.0.0.1:${server.port} THIS-HOST, then open the same URL there.\n`);
  say('Press Ctrl-C to stop.\n');
  await new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, () => resolve());
  });
  await server.close();
  await service.dispose();
  return 0;
}
