/*
 * The send thread's ring (harness/sendq.c): datagrams come out in order and whole, through
 * many wraps of a small ring; what the kernel refuses is counted; freeing sends what is
 * still queued. UDP trains (sendq_add_udp): the rules on segment lengths, the datagrams a
 * train becomes with their TOS, and the socket's path-MTU mode (DF) switched for a train
 * and back for the datagram after it.
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

static int pmtu_mode(int fd)
{
	int v = -1;
	socklen_t sl = sizeof v;

	return getsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v, &sl) < 0 ? -1 : v;
}

/* One datagram from rx (5 s at most): its length, contents into got, its TOS into *tos. */
static ssize_t recv_tos(int rx, uint8_t *got, size_t len, int *tos)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec v = { got, len };
	struct msghdr h = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl.buf,
	                    .msg_controllen = sizeof ctl.buf };
	struct pollfd p = { rx, POLLIN, 0 };
	ssize_t n;

	*tos = -1;
	if (poll(&p, 1, 5000) != 1)
		return -1;
	n = recvmsg(rx, &h, 0);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&h); n >= 0 && c; c = CMSG_NXTHDR(&h, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS)
			*tos = *(uint8_t *)CMSG_DATA(c);
	return n;
}

static void test_udp_trains(void)
{
	static uint8_t b[3][1400], got[70000];
	struct iovec seg[SENDQ_UDP_SEGS + 1];
	struct sockaddr_in to;
	struct sendq *q = NULL;
	int rx, tx = udp_pair(&rx, &to), on = 1, orig, tos = -1, last = 0;
	const size_t lens[3] = { 1400, 1400, 600 };

	CU_ASSERT_FATAL(tx >= 0);
	setsockopt(rx, IPPROTO_IP, IP_RECVTOS, &on, sizeof on);
	orig = pmtu_mode(tx);
	CU_ASSERT(orig >= 0 && orig != IP_PMTUDISC_DO);
	CU_ASSERT_EQUAL_FATAL(sendq_new(&q, 1 << 20), 0);
	for (unsigned k = 0; k < 3; k++) {
		fill(b[k], lens[k], 3, k);
		seg[k] = (struct iovec){ b[k], lens[k] };
	}
	/* the rules: no segment longer than the first, only the last shorter, 1 .. 64 of them,
	 * a TOS byte */
	CU_ASSERT_EQUAL(sendq_add_udp(q, tx, (struct sockaddr *)&to, sizeof to, seg, 0, 0),
	                -EINVAL);
	{
		struct iovec bad[3] = { seg[0], seg[2], seg[1] };

		CU_ASSERT_EQUAL(sendq_add_udp(q, tx, (struct sockaddr *)&to, sizeof to, bad, 3, 0),
		                -EINVAL);
		bad[0] = seg[2];
		bad[1] = seg[2];
		bad[2] = seg[0];
		CU_ASSERT_EQUAL(sendq_add_udp(q, tx, (struct sockaddr *)&to, sizeof to, bad, 3, 0),
		                -EINVAL);
	}
	for (unsigned k = 0; k <= SENDQ_UDP_SEGS; k++)
		seg[k] = (struct iovec){ b[0], 100 };
	CU_ASSERT_EQUAL(sendq_add_udp(q, tx, (struct sockaddr *)&to, sizeof to, seg,
	                              SENDQ_UDP_SEGS + 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(sendq_add_udp(q, tx, (struct sockaddr *)&to, sizeof to, seg, 1, 256),
	                -EINVAL);
	for (unsigned k = 0; k < 3; k++)
		seg[k] = (struct iovec){ b[k], lens[k] };
	/* a train of three: three datagrams, in order, whole, with the TOS asked for */
	CU_ASSERT_EQUAL(sendq_add_udp(q, tx, (struct sockaddr *)&to, sizeof to, seg, 3, 0x28), 0);
	sendq_kick(q);
	for (unsigned k = 0; k < 3; k++) {
		CU_ASSERT_EQUAL_FATAL(recv_tos(rx, got, sizeof got, &tos), (ssize_t)lens[k]);
		CU_ASSERT_EQUAL(memcmp(got, b[k], lens[k]), 0);
		CU_ASSERT_EQUAL(tos, 0x28);
	}
	/* sent with DF: the socket is in IP_PMTUDISC_DO now ... */
	CU_ASSERT_EQUAL(pmtu_mode(tx), IP_PMTUDISC_DO);
	/* ... and back in its own mode for a plain datagram, which keeps the socket's TOS */
	CU_ASSERT_EQUAL(sendq_add(q, tx, (struct sockaddr *)&to, sizeof to, b[2], 77), 0);
	sendq_kick(q);
	CU_ASSERT_EQUAL_FATAL(recv_tos(rx, got, sizeof got, &tos), 77);
	CU_ASSERT_EQUAL(tos, 0);
	CU_ASSERT_EQUAL(pmtu_mode(tx), orig);
	/* a train of one is a plain datagram with DF */
	CU_ASSERT_EQUAL(sendq_add_udp(q, tx, (struct sockaddr *)&to, sizeof to, seg + 2, 1, -1),
	                0);
	sendq_kick(q);
	CU_ASSERT_EQUAL_FATAL(recv_tos(rx, got, sizeof got, &tos), (ssize_t)lens[2]);
	CU_ASSERT_EQUAL(memcmp(got, b[2], lens[2]), 0);
	CU_ASSERT_EQUAL(pmtu_mode(tx), IP_PMTUDISC_DO);
	CU_ASSERT_EQUAL(sendq_errors(q, &last), 0);
	sendq_free(q);
	close(rx);
	close(tx);
}

UNIT_SUITE(sendq,
           UNIT_TEST(test_in_order_through_wraps),
           UNIT_TEST(test_errors_counted),
           UNIT_TEST(test_udp_trains))
