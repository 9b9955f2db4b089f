// SPDX-License-Identifier: GPL-2.0
/*
 * The load counter. One program on the syscalls:sys_enter_bpf tracepoint counts
 * the BPF_PROG_LOAD calls of the process the helper names in load_count.tgid:
 * every attempt, whether the verifier then accepts the program or not, since a
 * refused program cost the kernel its verification all the same.
 */
#include "loads.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct load_count load_count;

/* The layout of syscalls:sys_enter_bpf (see its format file): cmd, uattr, size. */
struct bpf_enter {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[3];
};

SEC("tracepoint")
int loads_enter(struct bpf_enter *ctx)
{
	__u32 tgid = load_count.tgid;

	if (ctx->args[0] == BPF_PROG_LOAD && tgid && bpf_get_current_pid_tgid() >> 32 == tgid)
		__sync_fetch_and_add(&load_count.loads, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
