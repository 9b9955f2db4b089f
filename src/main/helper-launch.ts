/**
 * How the desktop app starts its helper: directly when the app already runs
 * as root (developers, CI), else through pkexec and the helper launcher, so
 * polkit decides (BPF Lab's policy names the launcher's installed path). The
 * launcher runs the helper on the system's Node; pkexec clears the
 * environment, so it takes nothing from ours.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { helperNodeArgs, INSTALLED_LAUNCHER, INSTALLED_SYSTEM_LAUNCHER, pkexecLaunch, SYSTEM_NODE, type Launch } from '../backend/launch.js';
import { appImageLaunch, discardPackedHelper, packHelper, runsFromAppImage } from './appimage-launch.js';

export interface LaunchContext {
  uid: number;
  /** The Electron binary. */
  execPath: string;
  /** The repository in development; null when packaged. */
  devRoot: string | null;
  /** Electron's resources folder when packaged (the staged helper is in its helper/). */
  resourcesPath: string;
  /** `node --version` of the system's Node, asked only in development as root. */
  systemNodeVersion?: () => string;
  /**
   * `bpf-lab-app --system`: an instructor asks polkit for the instructors' action, whose helper
   * counts every process. Root needs no other action; the AppImage has only the students' one.
   */
  system?: boolean;
}

function askSystemNode(): string {
  try {
    return execFileSync(SYSTEM_NODE, ['--version'], { encoding: 'utf8' }).trim();
  } catch (e) {
    throw new Error(`BPF Lab runs its helper on ${SYSTEM_NODE} (Node.js 20.19 or newer), which cannot be run: `
      + `${(e as Error).message}. Install Node.js there.`);
  }
}

export function chooseLaunch(ctx: LaunchContext): Launch {
  if (ctx.uid === 0 && ctx.devRoot === null) {
    // Packaged, the Electron binary cannot run as Node (its RunAsNode fuse is off): use the launcher.
    return { via: 'direct', command: path.join(ctx.resourcesPath, 'helper', 'bpf-lab-helper'), args: [] };
  }
  if (ctx.uid === 0) {
    // In development, the tsc build on the system's Node, as installed helpers run, with the
    // launcher's options (the inspector closed; helperNodeArgs).
    const script = path.join(ctx.devRoot!, 'build', 'helper', 'main.js');
    return { via: 'direct', command: SYSTEM_NODE, args: [...helperNodeArgs((ctx.systemNodeVersion ?? askSystemNode)()), script] };
  }
  // Only the installed launcher matches the policy: from a checkout, install the helper first (DEVELOPERS.md).
  return pkexecLaunch(ctx.system ? INSTALLED_SYSTEM_LAUNCHER : INSTALLED_LAUNCHER);
}

/**
 * chooseLaunch, except from a mounted AppImage when not root: there the helper is packed into
 * the user's runtime folder and run as root from a private, digest-checked copy
 * (appimage-launch.ts). dispose() removes what was packed; call it on quit.
 */
export async function resolveLaunch(ctx: LaunchContext, env: NodeJS.ProcessEnv): Promise<{ launch: Launch; dispose: () => void }> {
  if (ctx.uid === 0 || ctx.devRoot !== null || !runsFromAppImage(env, ctx.resourcesPath)) {
    return { launch: chooseLaunch(ctx), dispose: () => undefined };
  }
  const { archive, sha256 } = await packHelper(path.join(ctx.resourcesPath, 'helper'), env['XDG_RUNTIME_DIR'] ?? os.tmpdir());
  return { launch: appImageLaunch(archive, sha256), dispose: () => discardPackedHelper(archive) };
}
