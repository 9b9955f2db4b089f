/**
 * How the desktop app starts its helper: directly when the app already runs
 * as root (developers, CI), else through pkexec and the helper launcher, so
 * polkit asks for the password. Electron runs the TypeScript helper as plain
 * Node (ELECTRON_RUN_AS_NODE); pkexec clears the environment, so under pkexec
 * the launcher sets that itself (the launcher and its policy: issue 4).
 */
import path from 'node:path';
import { pkexecLaunch, type Launch } from '../backend/helper-client.js';

export interface LaunchContext {
  uid: number;
  /** The Electron binary. */
  execPath: string;
  /**
   * Where build/helper and resources/helper are: the repository in development; when packaged,
   * Electron's resources folder, outside app.asar (the package layout comes with issue 4).
   */
  appRoot: string;
}

export function helperPaths(appRoot: string): { script: string; launcher: string } {
  return {
    script: path.join(appRoot, 'build', 'helper', 'main.js'),
    launcher: path.join(appRoot, 'resources', 'helper', 'bpf-lab-helper'),
  };
}

export function chooseLaunch(ctx: LaunchContext): Launch {
  const { script, launcher } = helperPaths(ctx.appRoot);
  if (ctx.uid === 0) {
    return { via: 'direct', command: ctx.execPath, args: [script], env: { ELECTRON_RUN_AS_NODE: '1' } };
  }
  return pkexecLaunch(launcher);
}
