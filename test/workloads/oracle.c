// SPDX-License-Identifier: GPL-2.0
/*
 * Oracle workload for the kernel tests: makes calls of exactly the sizes it is
 * given, and nothing else of the kind, so the histogram that comes out can be
 * checked bucket by bucket.
 *
 *   oracle [--comm NAME] MODE SIZE[xCOUNT]...
 *   MODE: read (from /dev/zero), write (to /dev/null), memcpy (libc),
 *         hostname (sethostname(2), a kernel copy_from_user of SIZE <= 64 bytes),
 *         value (calls oracle_value(SIZE) for any 64-bit SIZE: a uprobe target
 *         that takes the kernel's bucket math to 2^64 - 1),
 *         udp (a datagram of SIZE <= 65507 bytes sent to its own socket on 127.0.0.1 and
 *         received again: the kernel takes it in (net:netif_receive_skb) in a softirq,
 *         on this process's time)
 *   --comm NAME: first rename this process (prctl PR_SET_NAME, at most 15 bytes), as any
 *         user may, e.g. to a name full of terminal escape sequences
 *
 * Built with -fno-builtin so that memcpy stays a call into libc.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static char src[1 << 20];
static char dst[1 << 20];

/* Probed by the tests as oracle-dynamic:oracle_value:1; kept out of line and alive. */
__attribute__((noinline, used)) void oracle_value(unsigned long long v)
{
	__asm__ volatile("" : : "r"(v) : "memory");
}

/* udp: a socket bound to 127.0.0.1 that sends to itself. */
static int udp_socket(void)
{
	struct sockaddr_in at = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(at);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&at, sizeof(at)) || getsockname(fd, (struct sockaddr *)&at, &len)
	    || connect(fd, (struct sockaddr *)&at, sizeof(at)))
		return -1;
	return fd;
}

static int one(const char *mode, int fd, unsigned long long size)
{
	if (!strcmp(mode, "read"))
		return read(fd, dst, size) == (ssize_t)size ? 0 : -1;
	if (!strcmp(mode, "write"))
		return write(fd, src, size) == (ssize_t)size ? 0 : -1;
	if (!strcmp(mode, "memcpy"))
		return memcpy(dst, src, size) == dst ? 0 : -1;
	if (!strcmp(mode, "hostname"))
		return sethostname(src, size);
	if (!strcmp(mode, "udp"))
		return size <= 65507 && send(fd, src, size, 0) == (ssize_t)size
			&& recv(fd, dst, sizeof(dst), 0) == (ssize_t)size ? 0 : -1;
	if (!strcmp(mode, "value")) {
		oracle_value(size);
		return 0;
	}
	return -1;
}

static int fail(const char *what)
{
	write(2, "oracle: ", 8);
	write(2, what, strlen(what));
	write(2, "\n", 1);
	return 2;
}

int main(int argc, char **argv)
{
	const char *mode;
	int fd = -1;

	if (argc > 2 && !strcmp(argv[1], "--comm")) {
		if (prctl(PR_SET_NAME, argv[2], 0, 0, 0))
			return fail("cannot set the process name");
		argv += 2;
		argc -= 2;
	}
	mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "read"))
		fd = open("/dev/zero", O_RDONLY);
	else if (!strcmp(mode, "write"))
		fd = open("/dev/null", O_WRONLY);
	else if (!strcmp(mode, "udp") && (fd = udp_socket()) < 0)
		return fail("cannot open a UDP socket on 127.0.0.1");
	memset(src, 'a', 64);
	for (int i = 2; i < argc; i++) {
		char *end;
		unsigned long long size = strtoull(argv[i], &end, 10);
		long count = *end == 'x' ? strtol(end + 1, &end, 10) : 1;

		if (*end || (strcmp(mode, "value") && size > sizeof(dst)))
			return fail("bad SIZE[xCOUNT]");
		while (count-- > 0)
			if (one(mode, fd, size))
				return fail("call failed or bad MODE");
	}
	return 0;
}
