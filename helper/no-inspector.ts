/**
 * The helper runs as root, so Node's inspector must never open in it: whoever connects to an
 * inspector runs code as its process, and Node opens one on SIGUSR1, on --inspect, and on
 * NODE_OPTIONS. What closes it on every Node we support (20.19 and later) is Node's permission
 * model: under it, SIGUSR1 and --inspect open nothing. So every way of starting the helper (the
 * launcher resources/helper/bpf-lab-helper, directLaunch, the AppImage's root script, which runs
 * the launcher) turns the permission model on and clears NODE_OPTIONS, and the helper checks,
 * before it reads a byte, that this is so; otherwise it refuses to run.
 *
 * The permission model is not a sandbox here (the helper may read and write any file, run
 * `mount` and load koffi); it is used only because it is the one switch that closes the
 * inspector on Node 20. Node 24 and later can reopen it from NODE_OPTIONS (--allow-inspector),
 * hence the check that NODE_OPTIONS is empty.
 */
import inspector from 'node:inspector';

/** What `process.permission` looks like when Node's permission model is on. */
type Permission = { has(scope: string): boolean } | undefined;

/** Why this process may not serve as the helper, or null when the inspector is closed for good. */
export function inspectorProblem(
  env: NodeJS.ProcessEnv = process.env,
  execArgv: readonly string[] = process.execArgv,
  permission: Permission = (process as { permission?: Permission }).permission,
  url: string | undefined = inspector.url(),
): string | null {
  const fix = 'start it through its launcher (bpf-lab-helper) or bpf-lab, which close Node\'s inspector';
  if (url !== undefined) return `Node's inspector is open (${url}), which would let anyone run code as root; ${fix}`;
  if (!permission) return `Node's permission model is off, so SIGUSR1 would open a debugger in this root process; ${fix}`;
  if (env['NODE_OPTIONS']) return `NODE_OPTIONS is set, which can reopen Node's inspector; ${fix}`;
  const flag = execArgv.find((a) => /^--(inspect|allow-inspector|debug)/.test(a));
  if (flag) return `${flag} would open Node's inspector in this root process; ${fix}`;
  return null;
}
