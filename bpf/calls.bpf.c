// SPDX-License-Identifier: GPL-2.0
/*
 * The call recorder. Its programs attach to the syscalls tracepoints of bpf,
 * perf_event_open and ioctl, and record only the thread the helper names in
 * call_log.armed_tid, only while it is set: the calls that build one probe, as the
 * kernel received them.
 */
#include "calls.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NR_IOCTL 16
#define NR_PERF_EVENT_OPEN 298
#define NR_BPF 321
#define PERF_IOC_MAGIC '$'
#define PERF_TYPE_TRACEPOINT 2
#define PERF_ATTR_CONFIG1 56
#define BPF_ATTR_LICENSE 16

struct call_log call_log;

/*
 * The layouts of the syscalls:sys_enter_* events (see their format files). The kernel refuses
 * to attach a program that reads past an event's end, so a program for bpf() and ioctl(),
 * three arguments each, reads three; perf_event_open()'s reads five.
 */
struct syscall_enter3 {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[3];
};

struct syscall_enter5 {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__u64 args[5];
};

struct syscall_exit {
	__u64 common;
	__s32 nr;
	__u32 pad;
	__s64 ret;
};

static __always_inline int armed(void)
{
	__u32 tid = call_log.armed_tid;

	return tid && (__u32)bpf_get_current_pid_tgid() == tid;
}

static __always_inline __u64 field(const __u8 *attr, __u32 offset)
{
	return *(const __u64 *)(attr + offset);
}

/* Records one call; args has 5 slots, of which the event filled the first ones. */
static __always_inline void record(int nr, const __u64 *args)
{
	struct call_record *rec;
	const void *from = 0;
	__u32 i = call_log.recorded, n = 0;
	__u64 text = 0;

	if (nr == NR_IOCTL && ((args[1] >> 8) & 0xff) != PERF_IOC_MAGIC)
		return;
	if (i >= CALLS_MAX) {
		call_log.dropped++;
		return;
	}
	/* The mask changes nothing (i < CALLS_MAX, a power of two) but keeps older verifiers sure of the bound. */
	rec = &call_log.calls[i & (CALLS_MAX - 1)];
	rec->nr = nr;
	rec->returned = 0;
	rec->ret = 0;
	for (int a = 0; a < 5; a++)
		rec->args[a] = args[a];
	if (nr == NR_BPF) {
		from = (const void *)args[1];
		n = args[2] < CALLS_ATTR_BYTES ? args[2] : CALLS_ATTR_BYTES;
	} else if (nr == NR_PERF_EVENT_OPEN) {
		from = (const void *)args[0];
		n = CALLS_PERF_ATTR_BYTES;
	}
	__builtin_memset(rec->attr, 0, sizeof(rec->attr));
	rec->text[0] = 0;
	if (n > CALLS_ATTR_BYTES)
		n = CALLS_ATTR_BYTES;
	if (from && n && bpf_probe_read_user(rec->attr, n, from) == 0) {
		if (nr == NR_BPF && args[0] == BPF_PROG_LOAD)
			text = field(rec->attr, BPF_ATTR_LICENSE);
		else if (nr == NR_PERF_EVENT_OPEN && *(__u32 *)rec->attr != PERF_TYPE_TRACEPOINT)
			text = field(rec->attr, PERF_ATTR_CONFIG1);
	} else {
		n = 0;
	}
	rec->attr_size = n;
	if (text)
		bpf_probe_read_user_str(rec->text, sizeof(rec->text), (const void *)text);
	call_log.recorded = i + 1;
	call_log.open_slot = i + 1;
}

SEC("tracepoint")
int calls_enter(struct syscall_enter3 *ctx)
{
	__u64 args[5] = { ctx->args[0], ctx->args[1], ctx->args[2] };

	if (armed())
		record(ctx->nr, args);
	return 0;
}

SEC("tracepoint")
int calls_enter_perf(struct syscall_enter5 *ctx)
{
	__u64 args[5] = { ctx->args[0], ctx->args[1], ctx->args[2], ctx->args[3], ctx->args[4] };

	if (armed())
		record(ctx->nr, args);
	return 0;
}

SEC("tracepoint")
int calls_exit(struct syscall_exit *ctx)
{
	__u32 slot = call_log.open_slot;

	if (!armed() || slot == 0 || slot > CALLS_MAX)
		return 0;
	call_log.calls[(slot - 1) & (CALLS_MAX - 1)].ret = ctx->ret;
	call_log.calls[(slot - 1) & (CALLS_MAX - 1)].returned = 1;
	call_log.open_slot = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
