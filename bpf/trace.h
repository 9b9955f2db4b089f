/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One event per probe hit, sent through the ring buffer.
 * src/shared/trace-frame.ts reads this layout.
 */
#ifndef BPF_LAB_TRACE_H
#define BPF_LAB_TRACE_H

#include "size_source.h"

#define TRACE_COMM_LEN 16

struct trace_event {
	__u64 ts_ns; /* bpf_ktime_get_ns(): monotonic time since boot */
	__u64 size;
	__u32 pid;   /* thread group id, what user space calls the pid */
	__u32 tid;
	__u32 cpu;
	char comm[TRACE_COMM_LEN];
	__u32 pad;
};

struct trace_config {
	struct size_source src;
	/*
	 * Takes no room: it puts struct trace_event in the object's BTF, where tests
	 * read its layout (the ring buffer map itself cannot name a value type).
	 */
	struct trace_event layout[0];
};

enum trace_counter {
	TRACE_SEEN = 0,    /* every hit that passed the pid filter */
	TRACE_DROPPED = 1, /* hits whose ring buffer reservation failed */
	TRACE_NCOUNTERS = 2,
};

#endif
