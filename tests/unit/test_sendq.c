/*
 * The send thread's ring (harness/sendq.c): datagrams come out in order and whole, through
 * many wraps of a small ring; what the kernel refuses is counted; freeing sends what is
 * still queued.
 */
#include "tests/unit/unit.h"
#include "harness/sendq.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int udp_pair(int *rx, struct sockaddr_in *to)
{
	socklen_t sl = sizeof *to;
	int size = 1 << 20;

	*rx = socket(AF_INET, SOCK_DGRAM, 0);
	memset(to, 0, sizeof *to);
	to->sin_family = AF_INET;
	to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (*rx < 0 || bind(*rx, (struct sockaddr *)to, sizeof *to) < 0 ||
	    getsockname(*rx, (struct sockaddr *)to, &sl) < 0)
		return -1;
	if (setsockopt(*rx, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(*rx, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	return socket(AF_INET, SOCK_DGRAM, 0);
}

static void fill(uint8_t *b, size_t len, unsigned round, unsigned k)
{
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(round * 31 + k * 7 + i);
}

static void test_in_order_through_wraps(void)
{
	enum { ROUNDS = 100, PER = 16 };
	struct sockaddr_in to;
	struct sendq *q = NULL;
	static uint8_t b[5000], got[6000];
	int rx, tx = udp_pair(&rx, &to);

	CU_ASSERT_FATAL(tx >= 0);
	CU_ASSERT_EQUAL_FATAL(sendq_new(&q, 256 << 10), 0);
	for (unsigned r = 0; r < ROUNDS; r++) {
		for (unsigned k = 0; k < PER; k++) {
			size_t len = 1000 + (r * PER + k) % 4000;

			fill(b, len, r, k);
			CU_ASSERT_EQUAL(sendq_add(q, tx, (struct sockaddr *)&to, sizeof to, b, len), 0);
		}
		sendq_kick(q);
		for (unsigned k = 0; k < PER; k++) {
			size_t len = 1000 + (r * PER + k) % 4000;
			struct pollfd p = { rx, POLLIN, 0 };
			ssize_t n;

			CU_ASSERT_EQUAL_FATAL(poll(&p, 1, 5000), 1);
			n = recv(rx, got, sizeof got, 0);
			CU_ASSERT_EQUAL_FATAL(n, (ssize_t)len);
			fill(b, len, r, k);
			CU_ASSERT_EQUAL(memcmp(got, b, len), 0);
		}
	}
	{
		int last = 0;

		CU_ASSERT_EQUAL(sendq_errors(q, &last), 0);
	}
	/* queued, not kicked: free sends it */
	fill(b, 100, 7, 7);
	CU_ASSERT_EQUAL(sendq_add(q, tx, (struct sockaddr *)&to, sizeof to, b, 100), 0);
	sendq_free(q);
	{
		struct pollfd p = { rx, POLLIN, 0 };

		CU_ASSERT_EQUAL_FATAL(poll(&p, 1, 5000), 1);
		CU_ASSERT_EQUAL(recv(rx, got, sizeof got, 0), 100);
		CU_ASSERT_EQUAL(memcmp(got, b, 100), 0);
	}
	close(rx);
	close(tx);
}

static void test_errors_counted(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	struct sendq *q = NULL;
	uint8_t b[64] = { 0 };
	int last = 0;
	uint64_t n = 0;

	CU_ASSERT_EQUAL(sendq_new(&q, 1000), -EINVAL);
	CU_ASSERT_EQUAL_FATAL(sendq_new(&q, 256 << 10), 0);
	CU_ASSERT_EQUAL(sendq_add(q, -1, (struct sockaddr *)&to, sizeof to, b, sizeof b), 0);
	CU_ASSERT_EQUAL(sendq_add(q, -1, (struct sockaddr *)&to, sizeof to, b, 200 << 10),
	                -EMSGSIZE);
	sendq_kick(q);
	for (int i = 0; i < 500 && !n; i++) {
		struct timespec ms = { 0, 10 * 1000 * 1000 };

		n = sendq_errors(q, &last);
		nanosleep(&ms, NULL);
	}
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(last, EBADF);
	sendq_free(q);
	sendq_free(NULL);
}

UNIT_SUITE(sendq,
           UNIT_TEST(test_in_order_through_wraps),
           UNIT_TEST(test_errors_counted))
