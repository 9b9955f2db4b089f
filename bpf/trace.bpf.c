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

/* Not inlined, so that struct trace_event is in the object's BTF, where tests read its layout. */
static __noinline void fill(struct trace_event *e, __u64 size)
{
	__u64 id = bpf_get_current_pid_tgid();

	e->ts_ns = bpf_ktime_get_ns();
	e->size = size;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->cpu = bpf_get_smp_processor_id();
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

static __always_inline void emit(__u64 size)
{
	struct trace_event *e;

	bump(TRACE_SEEN);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		bump(TRACE_DROPPED);
		return;
	}
	fill(e, size);
	bpf_ringbuf_submit(e, 0);
}

SEC("kprobe")
int trace_kprobe(struct pt_regs *ctx)
{
	if (source_wants_current(&cfg.src))
		emit(source_arg(&cfg.src, ctx));
	return 0;
}

SEC("tracepoint")
int trace_tracepoint(void *ctx)
{
	if (source_wants_current(&cfg.src))
		emit(source_field(&cfg.src, ctx));
	return 0;
}

SEC("tracepoint/sched/sched_process_exec")
int trace_arm(void *ctx)
{
	arm_if_target(&cfg.src);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
