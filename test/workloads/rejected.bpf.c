// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only BPF object that the verifier must refuse: it writes through a map lookup's result
 * without checking it for NULL (a hash map: a key may be missing, so the lookup may return NULL). The helper never loads it (it loads only resources/bpf); the
 * kernel test loads it through libbpf to check how BPF Lab reads a refusal.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_read")
int rejected(void *ctx)
{
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&hits, &key);

	*count += 1; /* REFUSED HERE: count may be NULL */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
