/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types the programs touch, declared for CO-RE.
 *
 * preserve_access_index makes clang emit a relocation for every field access;
 * libbpf rewrites the offsets against the running kernel's BTF at load time,
 * so member order and padding here do not matter, only the names. This keeps
 * the repository free of a multi-megabyte generated vmlinux.h.
 */
#ifndef BPF_LAB_KERNEL_TYPES_H
#define BPF_LAB_KERNEL_TYPES_H

#include <linux/types.h>

#if defined(__TARGET_ARCH_x86)
struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long cx;
	unsigned long r8;
	unsigned long r9;
} __attribute__((preserve_access_index));
#else
#error "BPF Lab's programs are built for x86-64 only for now (__TARGET_ARCH_x86)"
#endif

/*
 * What the scope check reads of a task (size_source.h, source_task_is_callers): its
 * objective credentials and its mm, as ptrace's __ptrace_may_access judges a tracee.
 */
typedef struct { __u32 val; } kuid_t;
typedef struct { __u32 val; } kgid_t;

struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t suid;
	kgid_t sgid;
	kuid_t euid;
	kgid_t egid;
} __attribute__((preserve_access_index));

struct mm_struct;

struct task_struct {
	const struct cred *real_cred;
	struct mm_struct *mm;
} __attribute__((preserve_access_index));

/*
 * mm->flags, whose low two bits are the dumpable mode, in its two layouts. CO-RE flavours
 * (the ___suffix is dropped when matching): libbpf relocates against whichever the running
 * kernel has, and bpf_core_field_exists tells them apart at load time.
 */
/* Up to 6.17: unsigned long flags. */
struct mm_struct___word {
	unsigned long flags;
} __attribute__((preserve_access_index));

/* From 6.18 on: mm_flags_t flags, a struct that holds a bitmap of unsigned longs. */
struct mm_struct___bitmap {
	struct {
		unsigned long __mm_flags[1];
	} flags;
} __attribute__((preserve_access_index));

#endif
