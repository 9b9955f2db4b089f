/**
 * Who the helper serves. It runs as root for a client that may not be: the
 * desktop app, through pkexec. So it checks, before it reads a byte, that it
 * is root and that its stdin and stdout lead to its parent (the process that
 * started it is the one it talks to, not whoever else was handed its pipes).
 * pkexec names the calling user in PKEXEC_UID; their gid is their client's (callerGid).
 * A caller who is not root sees only their own processes (CallerPolicy.scope): every
 * program they load counts only the tasks ptrace would let them attach to, checked in
 * the kernel on every hit; a pid they give must be theirs; a libc uprobe needs such a
 * pid; and custom probes are root's alone.
 */
import fs from 'node:fs';
import { LabError } from '../src/shared/errors.js';
import type { StartParams } from '../src/shared/protocol.js';
import { INTERRUPT_PROBES, interruptProbeReason, USER_SPACE_PROBES } from './catalog.js';
import type { Owner } from './attach.js';
import { ANY_UID } from './bpf-config.js';
import { checkProcess } from './procfs.js';

/** The inode of the pipe behind a /proc fd link (`pipe:[1234]`), or null for anything else. */
export function pipeInode(link: string): string | null {
  return /^pipe:\[(\d+)\]$/.exec(link)?.[1] ?? null;
}

function readLink(file: string): string {
  try {
    return fs.readlinkSync(file);
  } catch {
    return '';
  }
}

/** The pipe inodes a process holds open. */
export function pipesOf(pid: number, proc = '/proc'): Set<string> {
  let fds: string[];
  try {
    fds = fs.readdirSync(`${proc}/${pid}/fd`);
  } catch {
    return new Set();
  }
  return new Set(fds.map((fd) => pipeInode(readLink(`${proc}/${pid}/fd/${fd}`))).filter((i): i is string => i !== null));
}

/** What clientProblem needs to know about one of our fds. */
export interface FdFacts {
  /** The /proc fd link: `pipe:[N]`, `socket:[N]`, a path… */
  link: string;
  /** For a Unix socket, its peer's pid (SO_PEERCRED). */
  peerPid: number | null;
}

/**
 * Why this process must not serve, or null. stdin and stdout must each be a pipe whose other
 * end the parent holds, or a Unix socket whose peer is the parent (Node starts children on
 * socketpairs, whose peer credentials name the process that made them).
 */
export function clientProblem(parent: number, fd: (n: number) => FdFacts, parentPipes: () => Set<string>): string | null {
  for (const [n, name] of [[0, 'stdin'], [1, 'stdout']] as const) {
    const facts = fd(n);
    const inode = pipeInode(facts.link);
    const connected = inode !== null ? parentPipes().has(inode)
      : facts.link.startsWith('socket:') ? facts.peerPid === parent : null;
    if (connected === null) return `${name} is neither a pipe nor a socket: the helper talks only to the program that starts it`;
    if (!connected) return `${name} is not connected to the process that started it (pid ${parent})`;
  }
  return null;
}

/** The same check for this process, given how to read a socket's peer pid. */
export function checkOwnClient(peerPid: (fd: number) => number | null): string | null {
  const parent = process.ppid;
  return clientProblem(parent, (n) => ({ link: readLink(`/proc/self/fd/${n}`), peerPid: peerPid(n) }), () => pipesOf(parent));
}

/** The calling user as pkexec names it, or null when the caller ran us directly (as root). */
export function pkexecCaller(env: NodeJS.ProcessEnv = process.env): number | null {
  const text = env['PKEXEC_UID'];
  if (text === undefined) return null;
  // pkexec always writes a uid; anything else must not pass for root (or for (uid_t)-1, "any user").
  if (!/^\d{1,10}$/.test(text) || Number(text) >= ANY_UID) throw new Error(`PKEXEC_UID is no user id: "${text.slice(0, 16)}"`);
  return Number(text);
}

/** A uid or gid as pkexec or root writes one: decimal, and never (uid_t)-1, which means "any". */
function parseId(text: string | undefined): number | null {
  return text !== undefined && /^\d{1,10}$/.test(text) && Number(text) < ANY_UID ? Number(text) : null;
}

/** The real uid and gid of a process, from its status file, or null when it is gone. */
function realIds(pid: number, proc: string): { uid: number; gid: number } | null {
  let status: string;
  try {
    status = fs.readFileSync(`${proc}/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const uid = parseId(/^Uid:\s*(\d+)/m.exec(status)?.[1]);
  const gid = parseId(/^Gid:\s*(\d+)/m.exec(status)?.[1]);
  return uid === null || gid === null ? null : { uid, gid };
}

/**
 * The caller's gid, which the programs check with their uid (ptrace's rule). pkexec passes no
 * gid and leaves the helper root's ids, so it is learnt from the client that ran pkexec: pkexec
 * execs the helper in place, so the helper's parent is that client (checkOwnClient has checked
 * that our stdin and stdout lead to it), and its real gid is the one the caller's commands run
 * with, as ptrace would compare it. Its real uid must be PKEXEC_UID, or the parent is not the
 * caller. The parent is read between two getppid()s: had it exited and its pid been reused, we
 * would have been reparented before the second. A root parent (a test, a root shell: pkexec from
 * root names uid 0) named the caller itself; it names the gid too, in BPF_LAB_CALLER_GID, which
 * is read only then (pkexec clears the environment, and a student's client is never root).
 */
export function callerGid(uid: number, env: NodeJS.ProcessEnv = process.env, proc = '/proc',
  parent = (): number => process.ppid): number {
  const ppid = parent();
  const ids = realIds(ppid, proc);
  if (ids === null || parent() !== ppid) throw new Error(`cannot read the ids of the process that started the helper (pid ${ppid})`);
  if (ids.uid === uid) return ids.gid;
  const named = ids.uid === 0 ? parseId(env['BPF_LAB_CALLER_GID']) : null;
  if (named !== null) return named;
  throw new Error(ids.uid === 0 ? `root started the helper for uid ${uid} without naming its gid (BPF_LAB_CALLER_GID)`
    : `PKEXEC_UID names uid ${uid}, but the process that started the helper (pid ${ppid}) runs as uid ${ids.uid}`);
}

/** The caller pkexec names, with their gid (callerGid), or null when root ran us directly. */
export function pkexecOwner(env: NodeJS.ProcessEnv = process.env): Owner | null {
  const uid = pkexecCaller(env);
  return uid === null ? null : { uid, gid: callerGid(uid, env) };
}

/** What a start's notices say when a caller who is not root is scoped to their own processes. */
export const OWN_PROCESSES_NOTICE = 'Only your own processes are counted, the ones you could debug: other users\' '
  + 'activity is theirs, and a setuid or setgid program (sudo, passwd) stops counting once it runs with '
  + 'ids that are not yours. The program\'s run counts and times are for root only, as the kernel counts every run. '
  + 'Root (sudo) counts every process.';

export class CallerPolicy {
  /**
   * caller: as pkexec names them (pkexecOwner; null: started by root directly). system: the caller
   * came in through the instructors' action (io.github.bpflab.helper.system, BPF_LAB_SCOPE=system).
   */
  constructor(private readonly caller: Owner | null, private readonly system = false) {}

  /** Whether the caller is root (started us directly, or is uid 0 through pkexec). */
  get root(): boolean {
    return this.caller === null || this.caller.uid === 0;
  }

  /** Whether the caller's sessions count every process: root's, and an instructor's. */
  get everyProcess(): boolean {
    return this.root || this.system;
  }

  /**
   * Whose events a start may count: null for every process (root, an instructor), or the
   * caller, whose ids the program then checks in the kernel on every hit. Throws a LabError
   * for what the caller may not start. A caller who is not root may not use a custom probe, nor
   * a user-space probe with no process to confine it (a uprobe on libc with no pid traps in
   * every process on the machine). One who is also scoped may not give another user's process,
   * nor use the probes that fire in interrupts.
   */
  scope(params: StartParams): Owner | null {
    const owner = this.everyProcess ? null : this.caller;
    if (!this.root && params.probe.kind !== 'catalog') {
      throw new LabError('not-authorized', 'Custom probes need root: a kernel function\'s or a program\'s arguments, '
        + 'even as a histogram, can show other users\' data (keystrokes, addresses). Choose a probe from the catalog, '
        + 'or run BPF Lab as root.');
    }
    if (owner !== null && params.probe.kind === 'catalog' && INTERRUPT_PROBES.has(params.probe.id)) {
      throw new LabError('not-authorized', interruptProbeReason(params.probe.id).message);
    }
    if (params.pid !== undefined) checkProcess(params.pid, owner);
    if (!this.root && params.pid === undefined && params.probe.kind === 'catalog' && USER_SPACE_PROBES.has(params.probe.id)) {
      throw new LabError('not-authorized', `${params.probe.id} probes a library in user space: with no process given it `
        + 'would trap in every process on the machine, other users\' too. Give one process to watch (a PID, '
        + 'or run a command with it).');
    }
    return owner;
  }
}
