/**
 * How the helper is started: directly on this Node as root, or through pkexec and the installed
 * launcher, with the Node options and the environment every helper gets. HelperClient starts it.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The compiled helper entry point, next to this build. */
export function helperScript(): string {
  return fileURLToPath(new URL('../../helper/main.js', import.meta.url));
}

/**
 * How to start the helper: directly when the caller is already root (the CLI,
 * developers, CI), or through pkexec and the packaged launcher (the desktop app).
 */
export interface Launch {
  via: 'direct' | 'pkexec';
  command: string;
  args: string[];
  /** Added to our environment (pkexec clears it for the helper anyway). */
  env?: Record<string, string>;
}

/**
 * The Node options the helper runs with, whichever way it is started. Node's permission model is
 * what keeps its inspector closed (helper/no-inspector.ts, which refuses to run without it); it
 * is called --experimental-permission up to Node 23 and --permission from 24 on, and neither name
 * works on the other side. It is not a sandbox here: the helper may read and write any file, run
 * mount and load koffi. The launcher (resources/helper/bpf-lab-helper) chooses the same way.
 */
export function helperNodeArgs(nodeVersion = process.versions.node): string[] {
  const major = Number(nodeVersion.replace(/^v/, '').split('.')[0]);
  return [
    major < 24 ? '--experimental-permission' : '--permission',
    '--allow-fs-read=*', '--allow-fs-write=*', '--allow-child-process', '--allow-addons',
    // Node warns about the model itself and about these flags, on stderr, on every start.
    '--disable-warning=SecurityWarning', '--disable-warning=ExperimentalWarning',
  ];
}

/** The helper on this Node (the CLI and developers as root): the same options as the launcher gives it. */
export function directLaunch(verbose = false): Launch {
  return {
    via: 'direct', command: process.execPath,
    args: [...helperNodeArgs(), helperScript(), ...(verbose ? ['--verbose'] : [])],
  };
}

/**
 * What names the helper's caller and scope: set by pkexec and the launchers only (BPF_LAB_CALLER_GID
 * by a root parent alone, helper/caller.ts), never passed on.
 */
export const CALLER_ENV = ['PKEXEC_UID', 'BPF_LAB_SCOPE', 'BPF_LAB_CALLER_GID'];

/** Our environment for the helper, without NODE_OPTIONS, which could reopen Node's inspector in it. */
export function helperEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  // Only pkexec (or a test, through extra) names a caller: a root shell's leftover must not scope root.
  const env = Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !CALLER_ENV.includes(k));
  return { ...Object.fromEntries(env), ...extra };
}

/** The system's Node, which installed helpers run on (the launcher names it too). */
export const SYSTEM_NODE = '/usr/bin/node';

/** pkexec by absolute path (never looked up in PATH), asking polkit to run the launcher as root. */
export const PKEXEC = '/usr/bin/pkexec';

/** Where packages install the staged helper (helper/stage.ts); the polkit policy names this launcher. */
export const INSTALLED_HELPER = '/opt/bpf-lab/resources/helper';
export const INSTALLED_LAUNCHER = `${INSTALLED_HELPER}/bpf-lab-helper`;
/** The launcher of the instructors' action (io.github.bpflab.helper.system): the helper for every process. */
export const INSTALLED_SYSTEM_LAUNCHER = `${INSTALLED_HELPER}/bpf-lab-helper-system`;

/**
 * How the command line (`bpf-lab stat|trace|probes|serve`) starts the helper: directly as root;
 * for anyone else through pkexec and the installed launcher, so polkit decides (the lab's group
 * rule, or an administrator's password); with `system` (`--system`), the instructors' launcher.
 * With nothing installed it starts directly too, and the helper's refusal says root is needed.
 */
export function commandLineLaunch({ verbose, system = false, uid = process.getuid?.() ?? 0, installed = fs.existsSync(INSTALLED_LAUNCHER) }:
  { verbose: boolean; system?: boolean; uid?: number; installed?: boolean }): Launch {
  if (uid === 0 || !installed) return directLaunch(verbose);
  return pkexecLaunch(system ? INSTALLED_SYSTEM_LAUNCHER : INSTALLED_LAUNCHER, verbose);
}

export function pkexecLaunch(launcher: string, verbose = false): Launch {
  return { via: 'pkexec', command: PKEXEC, args: [launcher, ...(verbose ? ['--verbose'] : [])] };
}
