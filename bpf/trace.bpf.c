// SPDX-License-Identifier: GPL-2.0
/* One ring buffer event per hit; failed reservations are counted, never silent. */
#include "trace.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

const volatile struct trace_config cfg = {};

/* The helper sizes the ring buffer before load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, TRACE_NCOUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

static __always_inline void bump(__u32 which)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &which);

	if (c)
		*c += 1;
}

/* Everything per hit is done here, inline: the pid and tid come from one helper call. */
static __always_inline void emit(__u64 id, __u64 size)
{
	struct trace_event *e;

	bump(TRACE_SEEN);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		bump(TRACE_DROPPED);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->size = size;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* Flags 0: the kernel wakes the reader only when it had caught up, so a flood wakes it once per drain. */
	bpf_ringbuf_submit(e, 0);
}

SEC("kprobe")
int trace_kprobe(struct pt_regs *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (source_wants(&cfg.src, id >> 32))
		emit(id, source_arg(&cfg.src, ctx));
	return 0;
}

SEC("tracepoint")
int trace_tracepoint(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();

	if (source_wants(&cfg.src, id >> 32))
		emit(id, source_field(&cfg.src, ctx));
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int trace_arm(void *ctx)
{
	arm_if_target(&cfg.src);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
