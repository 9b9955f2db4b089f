/** Whether this process may load and attach tracing programs. */
import fs from 'node:fs';

const CAP_SYS_ADMIN = 21n;
const CAP_PERFMON = 38n;
const CAP_BPF = 39n;

/** The effective capability set, from /proc/self/status. */
export function effectiveCaps(status = fs.readFileSync('/proc/self/status', 'utf8')): bigint {
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex ? BigInt(`0x${hex}`) : 0n;
}

const has = (caps: bigint, cap: bigint): boolean => ((caps >> cap) & 1n) === 1n;

/** CAP_SYS_ADMIN alone will do; since 5.8, CAP_BPF with CAP_PERFMON does too. */
export function canTrace(caps = effectiveCaps()): boolean {
  return has(caps, CAP_SYS_ADMIN) || (has(caps, CAP_BPF) && has(caps, CAP_PERFMON));
}
