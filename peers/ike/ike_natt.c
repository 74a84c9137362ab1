/*
 * ike_natt.c: NAT keepalives (RFC 3948 4). A peer behind a NAT (its NAT-D hash of itself did
 * not match what the other side saw, RFC 3947 3.2) sends a single 0xFF byte in a UDP
 * datagram to the peer's port 4500 every pol.natt_keepalive, so the NAT keeps the mapping for
 * the ESP-in-UDP flow alive while no traffic passes. It carries no non-ESP marker and is not
 * an IKE message: the receiver drops it. It is never used for liveness (RFC 3948 4: that is
 * DPD's job). strongSwan's interval is charon.keep_alive = 20 s.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Source Port (4500)     |     Destination Port (4500)   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Length (9)          |           Checksum            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |    0xFF       |
 *   +-+-+-+-+-+-+-+-+
 */
#include "peers/ike/ike_peer_int.h"

#include <string.h>

void ikep_keepalive_arm(struct ike_peer *p, struct ikesa *s)
{
	s->keepalive_next = s->natt_local && s->encap && p->pol.natt_keepalive > 0 ?
	                    p->now + p->pol.natt_keepalive : LAB_NEVER;
}

void ikep_keepalive_timer(struct ike_peer *p, struct ikesa *s)
{
	struct ike_packet pkt;

	if (s->keepalive_next > p->now)
		return;
	if (s->st != SA_UP || s->replaced || !s->natt_local) {
		s->keepalive_next = LAB_NEVER;
		return;
	}
	memset(&pkt, 0, sizeof pkt);
	pkt.data[0] = 0xff;
	pkt.len = 1;
	pkt.from = s->local;
	pkt.to = s->remote;
	pkt.from.port = pkt.to.port = 4500;
	ikep_queue_packet(p, &pkt);
	s->keepalive_next = p->now + p->pol.natt_keepalive;
}
