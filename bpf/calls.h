/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The call recorder: while the helper loads and attaches a probe, the bpf(),
 * perf_event_open() and perf ioctl() calls its own thread makes, with their
 * attributes as passed and the value each returned. helper/bpf-calls.ts mirrors
 * struct call_record and reads struct call_log through the mmap'ed .bss.
 */
#ifndef BPF_LAB_CALLS_H
#define BPF_LAB_CALLS_H

#include <linux/types.h>

#define CALLS_MAX 256 /* a power of two: calls.bpf.c masks indexes with it */
/* union bpf_attr as BPF_PROG_LOAD fills it, up to log_true_size (offset 140). */
#define CALLS_ATTR_BYTES 152
/* struct perf_event_attr up to config2 and beyond (PERF_ATTR_SIZE_VER5 is 112). */
#define CALLS_PERF_ATTR_BYTES 128
#define CALLS_TEXT_BYTES 256

struct call_record {
	__u32 nr;		/* the system call's number (x86-64) */
	__u16 attr_size;	/* bytes of attr copied; 0 when it could not be read */
	__u16 returned;		/* 1 once the call returned and ret is set */
	__s64 ret;
	__u64 args[5];		/* the raw arguments */
	__u8 attr[CALLS_ATTR_BYTES];
	/* A string the attributes point to: BPF_PROG_LOAD's license, a kprobe's function or a uprobe's path. */
	char text[CALLS_TEXT_BYTES];
};

/* The recorder's one global (its .bss): the helper writes armed_tid and reads the rest. */
struct call_log {
	__u32 armed_tid;	/* the thread to record; 0 records nothing */
	__u32 recorded;		/* records written to calls[] */
	__u32 dropped;		/* calls not recorded because calls[] was full */
	__u32 open_slot;	/* 1 + the record waiting for its return value, or 0 */
	struct call_record calls[CALLS_MAX];
};

#endif
