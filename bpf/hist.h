/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Histogram layouts, computed in the kernel. The helper sets hist_config in
 * .rodata (helper/bpf-config.ts mirrors it). src/shared/buckets.ts is the same
 * bucket math in TypeScript: unit tests pin it to hand-computed edges, and the
 * kernel tests check this copy against it with oracle workloads.
 */
#ifndef BPF_LAB_HIST_H
#define BPF_LAB_HIST_H

#include "size_source.h"

enum hist_kind {
	HIST_SEED = 0,   /* the learn-bpf demo: 0, 1-64, ..., 961-1024 (and above) */
	HIST_LOG2 = 1,   /* 0, 1, 2-3, 4-7, ..., 2^63 - 2^64-1 */
	HIST_LINEAR = 2, /* [< min], min..max in steps, [>= max] */
};

#define HIST_MAX_BUCKETS 4098

struct hist_config {
	struct size_source src;
	__u32 kind;
	__u32 nbuckets; /* counts has one slot per bucket */
	__u64 min;
	__u64 max;
	__u64 step;
};

#endif
