/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The load counter: how many times one process (the helper) has asked the kernel
 * to load a BPF program (bpf(BPF_PROG_LOAD), refused ones included). The helper's
 * work budget charges what this counts. helper/load-counter.ts reads struct
 * load_count through the mmap'ed .bss.
 */
#ifndef BPF_LAB_LOADS_H
#define BPF_LAB_LOADS_H

#include <linux/types.h>

/* The counter's one global (its .bss): the helper writes tgid and reads loads. */
struct load_count {
	__u32 tgid;	/* the process to count; 0 counts nothing */
	__u32 pad;
	__u64 loads;	/* its BPF_PROG_LOAD calls since tgid was set */
};

#endif
