/**
 * Waits for the ring buffers of every trace session at once, without a timer: one epoll set,
 * one epoll_wait at a time on a libuv worker thread (koffi's async call), and nothing at all
 * while no session is registered. An idle session costs no CPU.
 *
 * The ring fds are edge-triggered. The kernel wakes a ring's waiters when a record is committed
 * while the consumer has caught up with it, so a session that has emptied its ring is woken by
 * the next record, and one that is behind (draining on its own timer) is not woken per record.
 * An eventfd in the set wakes the wait when the last session leaves, so no thread stays blocked.
 * While any trace session runs, the wait holds one of libuv's four worker threads; the helper
 * uses the others for nothing that waits (its file reads are synchronous).
 */
import { closeFd, epoll } from './libbpf.js';

const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLLIN = 0x1;
const EPOLLET = 0x80000000;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const EPOLL_CLOEXEC = 0o2000000;
/** struct epoll_event: u32 events and u64 data, packed on x86-64 (12 bytes), 16 bytes elsewhere. */
const EVENT_SIZE = process.arch === 'x64' ? 12 : 16;
const DATA_AT = process.arch === 'x64' ? 4 : 8;
const MAX_EVENTS = 16;
/** The data word that stands for the eventfd; sessions use their ids, which start at 1. */
const WAKE = 0;

export class RingWaiter {
  private readonly epfd: number;
  private readonly wakeFd: number;
  private readonly events = new Uint8Array(EVENT_SIZE * MAX_EVENTS);
  private readonly ready = new Map<number, () => void>();
  private waiting = false;
  private closed = false;

  constructor() {
    this.epfd = epoll.create(EPOLL_CLOEXEC);
    if (this.epfd < 0) throw new Error('epoll_create1 failed');
    this.wakeFd = epoll.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (this.wakeFd < 0 || this.control(EPOLL_CTL_ADD, this.wakeFd, WAKE, EPOLLIN) < 0) {
      if (this.wakeFd >= 0) closeFd(this.wakeFd);
      closeFd(this.epfd);
      throw new Error('eventfd for the ring waiter failed');
    }
  }

  /** Calls `onReady` (on the main thread) each time the ring behind `fd` is woken. */
  add(id: number, fd: number, onReady: () => void): void {
    if (this.control(EPOLL_CTL_ADD, fd, id, EPOLLIN | EPOLLET) < 0) throw new Error(`epoll_ctl could not watch ring fd ${fd}`);
    this.ready.set(id, onReady);
    this.wait();
  }

  remove(id: number, fd: number): void {
    if (!this.ready.delete(id)) return;
    this.control(EPOLL_CTL_DEL, fd, id, 0);
    if (this.ready.size === 0 && this.waiting) this.wake();
  }

  /** Stops waiting for good; the epoll fd is closed once the wait in flight has returned. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ready.clear();
    if (this.waiting) this.wake();
    else this.release();
  }

  private wait(): void {
    if (this.waiting || this.closed || this.ready.size === 0) return;
    this.waiting = true;
    epoll.wait.async(this.epfd, this.events, MAX_EVENTS, -1, (err, n) => {
      this.waiting = false;
      if (this.closed) {
        this.release();
        return;
      }
      if (err || typeof n !== 'number' || n < 0) {
        // EINTR, or a call that failed: wait again, after a pause so a lasting failure cannot spin.
        setTimeout(() => this.wait(), err ? 100 : 0);
        return;
      }
      const view = new DataView(this.events.buffer);
      try {
        for (let i = 0; i < n; i++) {
          const id = view.getUint32(i * EVENT_SIZE + DATA_AT, true);
          if (id === WAKE) epoll.read(this.wakeFd, new Uint8Array(8), 8);
          else this.ready.get(id)?.();
        }
      } finally {
        // One session's failure must not leave the others without their wakeups.
        this.wait();
      }
    });
  }

  private wake(): void {
    const one = new Uint8Array(8);
    one[0] = 1;
    epoll.write(this.wakeFd, one, 8);
  }

  private release(): void {
    closeFd(this.wakeFd);
    closeFd(this.epfd);
  }

  private control(op: number, fd: number, id: number, events: number): number {
    const event = new Uint8Array(EVENT_SIZE);
    const view = new DataView(event.buffer);
    view.setUint32(0, events >>> 0, true);
    view.setUint32(DATA_AT, id, true);
    return epoll.ctl(this.epfd, op, fd, event);
  }
}
