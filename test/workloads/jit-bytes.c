// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only reader of a loaded program's JIT code, independent of BPF Lab's own reader:
 *
 *   jit-bytes PROG_ID OUT
 *
 * takes the program by id through libbpf (bpf_prog_get_fd_by_id, bpf_obj_get_info_by_fd)
 * and writes its machine code to OUT, for objdump to disassemble. Debian 12's bpftool cannot
 * dump JIT code (it was built without a disassembler), so this stands in for it.
 */
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	unsigned char *code;
	FILE *out;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: jit-bytes PROG_ID OUT\n");
		return 2;
	}
	fd = bpf_prog_get_fd_by_id(atoi(argv[1]));
	if (fd < 0) {
		perror("bpf_prog_get_fd_by_id");
		return 1;
	}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.jited_prog_len) {
		fprintf(stderr, "no JIT code for program %s\n", argv[1]);
		return 1;
	}
	code = calloc(1, info.jited_prog_len);
	if (!code)
		return 1;
	len = info.jited_prog_len;
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = len;
	info.jited_prog_insns = (__u64)(unsigned long)code;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		perror("bpf_obj_get_info_by_fd");
		return 1;
	}
	out = fopen(argv[2], "wb");
	if (!out || fwrite(code, 1, info.jited_prog_len, out) != info.jited_prog_len || fclose(out)) {
		perror(argv[2]);
		return 1;
	}
	close(fd);
	return 0;
}
