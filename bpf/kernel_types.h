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

#endif
