/*
 * sendq.h: datagrams handed to a thread of their own that sends them (sendmmsg).
 *
 * Why: a gateway's loop thread encrypts, and each ESP packet it then sends runs the next
 * namespace's receive path inside the send call (veth, IP, the raw socket's queue, the
 * wake-up of its reader): 40% of the loop thread's time in a TCP stream through `vpnlab
 * peer` (docs/performance.md). With a sendq the loop thread copies each datagram into a
 * ring and goes on; the send thread takes them out in order and sends them, on the other
 * core. The only design departure from "one event loop" in vpnlab (docs/architecture.md).
 *
 * Ownership and locking: the ring (one buffer, owned by the sendq) has one producer, the
 * loop thread (sendq_add, sendq_kick), and one consumer, the send thread. `head` is written
 * only by the producer, `tail` only by the consumer, both C11 atomics (release on store,
 * acquire on load): bytes between tail and head belong to the consumer, the rest to the
 * producer. The wake-up is an eventfd, written only while the send thread says it sleeps
 * (`sleeping`, sendq.c). The sockets stay owned by the caller, who must not close them
 * before sendq_free (which sends what is queued, then joins the thread). The
 * error counters are atomics, read by the loop thread. Nothing else is shared.
 *
 * A full ring makes sendq_add wait for room (sched_yield): nothing is dropped, as with a
 * blocking send; the send thread sends everything it is given, as tx_send would.
 */
#ifndef VPNLAB_HARNESS_SENDQ_H
#define VPNLAB_HARNESS_SENDQ_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct sendq;

/* A ring of size bytes (>= 256 KiB) and its thread. 0 or -errno. */
int sendq_new(struct sendq **out, size_t size);

/* Queue one datagram for fd to `to` (copied); the send thread sees it after sendq_kick.
 * 0, or -EMSGSIZE for a datagram that cannot fit the ring. */
int sendq_add(struct sendq *q, int fd, const struct sockaddr *to, socklen_t tolen,
              const void *data, size_t len);


/*
 * Queue the UDP payloads seg[0 .. nseg) for the UDP socket fd to `to` (copied) as one
 * datagram with UDP segmentation offload (UDP_SEGMENT): the kernel sends them as nseg
 * datagrams, one per segment, at the cost of one, each with DF set (the send thread puts fd
 * in IP_PMTUDISC_DO for these sends and back in its own mode for the others, so fd's other
 * datagrams are sent as before). Every segment but the last has the same
 * length, the last no more; nseg <= SENDQ_UDP_SEGS (the kernel's UDP_MAX_SEGMENTS) and the
 * caller keeps the sum within one UDP datagram (65507 bytes). tos >= 0 sets the IP TOS
 * byte (IP_TOS), -1 leaves the socket's. 0, -EINVAL for segments that break these rules,
 * or -EMSGSIZE.
 */
#define SENDQ_UDP_SEGS 64
int sendq_add_udp(struct sendq *q, int fd, const struct sockaddr *to, socklen_t tolen,
                  const struct iovec *seg, size_t nseg, int tos);

/* Publish what sendq_add queued and wake the send thread. */
void sendq_kick(struct sendq *q);

/* Datagrams the kernel refused, and the errno of the last one. */
uint64_t sendq_errors(const struct sendq *q, int *last_errno);

/* Send what is queued, stop the thread, free. NULL is fine. */
void sendq_free(struct sendq *q);

#endif
