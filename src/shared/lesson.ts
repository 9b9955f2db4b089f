/**
 * What the classic BPF lesson returns: the article's four-instruction filter on a packet socket
 * of a private loopback, the packets sent, and what the kernel let through. One validated,
 * versioned message, the same for `bpf-lab lesson classic-bpf --json` and the app. Every count
 * is the kernel's: what sockets received, and the packet socket's own statistics.
 */
import { z } from 'zod';

export const LESSON_VERSION = 1;

const count = z.number().int().min(0);
const byFamily = z.strictObject({ ipv4: count, ipv6: count, other: count });

export const classicLessonSchema = z.strictObject({
  version: z.literal(LESSON_VERSION),
  /** The filter as the kernel holds it on the socket, read back with SO_GET_FILTER. */
  filter: z.array(z.strictObject({
    code: z.number().int().min(0).max(0xffff), jt: z.number().int().min(0).max(255), jf: z.number().int().min(0).max(255),
    k: z.number().int().min(0).max(0xffffffff),
  })),
  /** UDP datagrams sent to 127.0.0.1 and to ::1. */
  sent: z.strictObject({ ipv4: count, ipv6: count }),
  /** How many of them the listening UDP sockets received: all of them, or the counts below are not exact. */
  delivered: z.strictObject({ ipv4: count, ipv6: count }),
  /** What a packet socket without a filter saw on the loopback: each datagram twice, going out and coming back in. */
  seen: byFamily,
  /** What the packet socket with the filter received: the packets the filter accepted. */
  accepted: byFamily,
  /** The kernel's own statistics for the filtered socket (PACKET_STATISTICS): packets its filter passed, and any it then had no room for. */
  kernel: z.strictObject({ passed: count, noRoom: count }),
  /** Packets as the unfiltered socket saw them (their first bytes, in hex), one going out and one coming in per family. */
  samples: z.array(z.strictObject({
    family: z.enum(['ipv4', 'ipv6']), direction: z.enum(['outgoing', 'incoming']), bytes: z.string().regex(/^(?:[0-9a-f]{2})*$/),
  })),
  /** Anything that made the lesson differ from the plan (no IPv6 in this kernel…), in plain words. */
  notices: z.array(z.string()),
});
export type ClassicLesson = z.infer<typeof classicLessonSchema>;

/** The most datagrams of each family one lesson sends. */
export const MAX_LESSON_PACKETS = 1000;
