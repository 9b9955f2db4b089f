/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a program finds the size it records, and whose events it keeps.
 * Shared by hist.bpf.c and trace.bpf.c; the helper writes this struct into
 * .rodata before load (helper/bpf-config.ts mirrors the layout).
 */
#ifndef BPF_LAB_SIZE_SOURCE_H
#define BPF_LAB_SIZE_SOURCE_H

#include <linux/types.h>

struct size_source {
	__u32 target_tgid;  /* 0: every process */
	__u32 self_tgid;    /* the helper, and ... */
	__u32 client_tgid;  /* ... its client: a tracer never traces its own work */
	__u32 arg_index;    /* kprobe/uprobe: function argument 1..6 */
	__u32 field_offset; /* tracepoint: byte offset of the field in the record */
	__u32 field_size;   /* tracepoint: 1, 2, 4 or 8 */
	__u32 arm_on_exec;  /* count nothing until target_tgid calls exec (see arm_on_exec) */
	__u32 only_uid;     /* SOURCE_ANY_UID, or only the tasks of a caller who is not root: this uid ... */
	__u32 only_gid;     /* ... and this gid, by ptrace's rule (source_task_is_callers) */
};

/* (uid_t)-1 is no user's uid. */
#define SOURCE_ANY_UID 0xffffffffu

#ifdef __BPF__
#include "kernel_types.h"
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

/*
 * Slot 0 turns 1 when the target execs. A command is started by a small launcher
 * that waits, then execs it; arming on exec keeps the launcher's own work out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} armed SEC(".maps");

/* mm->flags & MMF_DUMPABLE_MASK == SUID_DUMP_USER: an ordinary process's dumpable mode. */
#define SOURCE_DUMPABLE_MASK 3ul
#define SOURCE_SUID_DUMP_USER 1ul

/* The dumpable mode of an mm, from whichever layout of mm->flags this kernel has. */
static __always_inline unsigned long source_dumpable(struct mm_struct *mm)
{
	struct mm_struct___bitmap *bitmap = (void *)mm;
	struct mm_struct___word *word = (void *)mm;

	if (bpf_core_field_exists(bitmap->flags.__mm_flags))
		return BPF_CORE_READ(bitmap, flags.__mm_flags[0]) & SOURCE_DUMPABLE_MASK;
	return BPF_CORE_READ(word, flags) & SOURCE_DUMPABLE_MASK;
}

/*
 * Whether this kernel's struct cred holds uid, gid, suid, sgid, euid and egid in that order,
 * 4 bytes apart, as every kernel has since struct cred came in (2.6.29). The offsets are CO-RE
 * relocations, constants at load time, so the verifier keeps only one of the two paths below.
 */
static __always_inline int source_ids_in_a_row(void)
{
	__u32 at = bpf_core_field_offset(struct cred, uid);

	return bpf_core_field_offset(struct cred, gid) == at + 4 && bpf_core_field_offset(struct cred, suid) == at + 8
	       && bpf_core_field_offset(struct cred, sgid) == at + 12 && bpf_core_field_offset(struct cred, euid) == at + 16
	       && bpf_core_field_offset(struct cred, egid) == at + 20;
}

/*
 * Whether the current task is the caller's to observe, by the rule ptrace and perf apply
 * (__ptrace_may_access): its objective credentials (real_cred, which a syscall's temporary
 * override_creds does not change) have real, effective and saved uid all the caller's and the
 * same for the gids, and its mm is dumpable as an ordinary process's is. So a setuid or setgid
 * program the caller starts stops counting at its exec, and a process that gains privilege or
 * turns itself undumpable (prctl PR_SET_DUMPABLE, as ssh-agent does) stops counting on the next
 * hit. A task with no mm (a kernel thread, or a task past exit_mm) is nobody's.
 * Cost per hit: one helper call for the task and four reads (bpf_probe_read_kernel): real_cred,
 * its six ids at once, mm and mm->flags; another user's task stops after the first two.
 */
static __always_inline int source_task_is_callers(const volatile struct size_source *src)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	const struct cred *cred = BPF_CORE_READ(task, real_cred);
	struct mm_struct *mm;
	__u32 uid = src->only_uid, gid = src->only_gid;

	if (!cred)
		return 0;
	if (source_ids_in_a_row()) {
		/* One read for all six ids instead of six: this is most of the check's cost. */
		__u32 ids[6];

		if (bpf_probe_read_kernel(ids, sizeof(ids), (const char *)cred + bpf_core_field_offset(struct cred, uid)))
			return 0;
		if (ids[0] != uid || ids[2] != uid || ids[4] != uid || ids[1] != gid || ids[3] != gid || ids[5] != gid)
			return 0;
	} else if (BPF_CORE_READ(cred, uid.val) != uid || BPF_CORE_READ(cred, euid.val) != uid
		   || BPF_CORE_READ(cred, suid.val) != uid || BPF_CORE_READ(cred, gid.val) != gid
		   || BPF_CORE_READ(cred, egid.val) != gid || BPF_CORE_READ(cred, sgid.val) != gid) {
		return 0;
	}
	mm = BPF_CORE_READ(task, mm);
	return mm && source_dumpable(mm) == SOURCE_SUID_DUMP_USER;
}

/* Body of each object's sched_process_exec program. */
static __always_inline void arm_if_target(const volatile struct size_source *src)
{
	__u32 key = 0, *on;

	if ((bpf_get_current_pid_tgid() >> 32) != src->target_tgid)
		return;
	on = bpf_map_lookup_elem(&armed, &key);
	if (on)
		*on = 1;
}

/* Whether to record this hit; `tgid` is the upper half of bpf_get_current_pid_tgid(), read once per hit. */
static __always_inline int source_wants(const volatile struct size_source *src, __u32 tgid)
{
	__u32 key = 0, *on;

	if (tgid == src->self_tgid || tgid == src->client_tgid)
		return 0;
	if (src->target_tgid != 0 && src->target_tgid != tgid)
		return 0;
	/* .rodata is frozen: for root the verifier drops this branch and everything it reads. */
	if (src->only_uid != SOURCE_ANY_UID && !source_task_is_callers(src))
		return 0;
	if (!src->arm_on_exec)
		return 1;
	on = bpf_map_lookup_elem(&armed, &key);
	return on && *on;
}

/*
 * Argument n (1-based) of the probed function, by the x86-64 C calling convention.
 * Read through bpf_probe_read_kernel (BPF_CORE_READ): clang folds the switch into
 * one load at a computed ctx offset, which the verifier refuses for direct access.
 */
static __always_inline __u64 source_arg(const volatile struct size_source *src, struct pt_regs *ctx)
{
	switch (src->arg_index) {
	case 1: return BPF_CORE_READ(ctx, di);
	case 2: return BPF_CORE_READ(ctx, si);
	case 3: return BPF_CORE_READ(ctx, dx);
	case 4: return BPF_CORE_READ(ctx, cx);
	case 5: return BPF_CORE_READ(ctx, r8);
	case 6: return BPF_CORE_READ(ctx, r9);
	}
	return 0;
}

/*
 * A direct load of a field at a constant offset of the record: the verifier allows aligned
 * reads of a tracepoint's record, and it knows field_offset and field_size once .rodata is
 * frozen, so only the one load that applies stays in the program. No helper call per hit.
 */
#define SOURCE_FIELD_AT(off)							\
	case off:								\
		switch (src->field_size) {					\
		case 1: return *(const __u8 *)((const char *)ctx + off);	\
		case 2: return *(const __u16 *)((const char *)ctx + off);	\
		case 4: return *(const __u32 *)((const char *)ctx + off);	\
		case 8: return *(const __u64 *)((const char *)ctx + off);	\
		}								\
		break;

/* An unsigned field of a raw tracepoint record, at the offset the format file gives. */
static __always_inline __u64 source_field(const volatile struct size_source *src, void *ctx)
{
	const void *at = (const char *)ctx + src->field_offset;

	/* The offsets of the catalog's fields, and more: any multiple of 8 up to 64. */
	switch (src->field_offset) {
	SOURCE_FIELD_AT(8)
	SOURCE_FIELD_AT(16)
	SOURCE_FIELD_AT(24)
	SOURCE_FIELD_AT(32)
	SOURCE_FIELD_AT(40)
	SOURCE_FIELD_AT(48)
	SOURCE_FIELD_AT(56)
	SOURCE_FIELD_AT(64)
	}
	/* Elsewhere (an odd offset, or past 64): copied out by the kernel. */
	switch (src->field_size) {
	case 1: { __u8 v = 0; bpf_probe_read_kernel(&v, sizeof(v), at); return v; }
	case 2: { __u16 v = 0; bpf_probe_read_kernel(&v, sizeof(v), at); return v; }
	case 4: { __u32 v = 0; bpf_probe_read_kernel(&v, sizeof(v), at); return v; }
	case 8: { __u64 v = 0; bpf_probe_read_kernel(&v, sizeof(v), at); return v; }
	}
	return 0;
}
#endif /* __BPF__ */

#endif
