// SPDX-License-Identifier: GPL-2.0
/* Size histograms: the bucket is chosen here, in the kernel, and counted in a per-CPU array. */
#include "hist.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile struct hist_config cfg = {};

/* One slot per bucket; the total is their sum. The helper sets max_entries to nbuckets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HIST_MAX_BUCKETS);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline __u32 bit_length(__u64 v)
{
	__u32 n = 0;

	if (v >> 32) { v >>= 32; n += 32; }
	if (v >> 16) { v >>= 16; n += 16; }
	if (v >> 8) { v >>= 8; n += 8; }
	if (v >> 4) { v >>= 4; n += 4; }
	if (v >> 2) { v >>= 2; n += 2; }
	if (v >> 1) { v >>= 1; n += 1; }
	return n + (__u32)v;
}

static __always_inline __u32 bucket_of(__u64 v)
{
	switch (cfg.kind) {
	case HIST_SEED:
		if (v == 0)
			return 0;
		return v > 1024 ? 16 : (__u32)((v - 1) / 64 + 1);
	case HIST_LOG2:
		return bit_length(v);
	case HIST_LINEAR: {
		__u32 under = cfg.min > 0 ? 1 : 0;
		__u64 steps = (cfg.max - cfg.min) / cfg.step;

		if (v < cfg.min)
			return 0;
		if (v >= cfg.max)
			return under + (__u32)steps;
		return under + (__u32)((v - cfg.min) / cfg.step);
	}
	}
	return 0;
}

static __always_inline void count_slot(__u32 slot)
{
	__u64 *c = bpf_map_lookup_elem(&counts, &slot);

	if (c)
		*c += 1;
}

static __always_inline void record(__u64 size)
{
	__u32 last = cfg.nbuckets - 1;
	__u32 b = bucket_of(size);

	if (b > last)
		b = last;
	count_slot(b);
}

SEC("kprobe")
int hist_kprobe(struct pt_regs *ctx)
{
	if (source_wants(&cfg.src, bpf_get_current_pid_tgid() >> 32))
		record(source_arg(&cfg.src, ctx));
	return 0;
}

SEC("tracepoint")
int hist_tracepoint(void *ctx)
{
	if (source_wants(&cfg.src, bpf_get_current_pid_tgid() >> 32))
		record(source_field(&cfg.src, ctx));
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int hist_arm(void *ctx)
{
	arm_if_target(&cfg.src);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
