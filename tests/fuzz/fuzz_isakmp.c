/*
 * Fuzz target: the ISAKMP codec (header, payload chain, SA/proposal/transform, notify,
 * delete, ID, the attribute list of RESPONDER-LIFETIME) and a responder peer fed the same
 * bytes. Seeds: the main mode and quick mode messages two vpnlab peers exchange (made on
 * first use; the responder sends RESPONDER-LIFETIME in both phases), and a
 * NO-PROPOSAL-CHOSEN.
 */
#include "tests/fuzz/fuzz.h"
#include "peers/ike/ike_peer.h"
#include "peers/ike/isakmp.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void policy(struct ike_policy *p, const char *l, const char *r, bool init)
{
	char err[128];

	memset(p, 0, sizeof *p);
	p->local.family = p->remote.family = AF_INET;
	inet_pton(AF_INET, l, p->local.addr);
	inet_pton(AF_INET, r, p->remote.addr);
	p->local.port = p->remote.port = 500;
	memcpy(p->psk, "fuzz", 4);
	p->psk_len = 4;
	p->nike = ike_props_parse("aes128-sha1-modp1024,aes256-sha256-modp2048", false, p->ike,
	                          IKE_MAX_PROPS, err, sizeof err);
	p->nesp = ike_props_parse("aes128-sha1-modp1024", true, p->esp, IKE_MAX_PROPS, err,
	                          sizeof err);
	p->local_ts.family = p->remote_ts.family = AF_INET;
	p->send_dpd_vid = p->send_natt_vid = p->initial_contact = true;
	p->initiator = init;
	/* the responder is shorter in both phases and says so (RESPONDER-LIFETIME), with
	 * kilobyte lifetimes on both sides */
	p->send_responder_lifetime = !init;
	p->ike_lifetime = init ? 0 : lab_sec(3600);
	p->esp_lifetime = init ? 0 : lab_sec(600);
	p->esp_lifebytes = init ? 4000000 : 1000000;
	p->natt_keepalive = lab_sec(20);
}

static void parse_all(const uint8_t *data, size_t size)
{
	struct isakmp_hdr h;
	struct isakmp_err e;
	struct isakmp_chain c;

	if (isakmp_hdr_parse(data, size, &h, &e) < 0)
		return;
	if (isakmp_chain_parse(h.np, data + ISAKMP_HDR_LEN, h.length - ISAKMP_HDR_LEN,
	                       ISAKMP_HDR_LEN, &c, &e) < 0)
		return;
	for (size_t i = 0; i < c.n; i++) {
		struct isakmp_sa sa;
		struct isakmp_notify_pl n;
		struct isakmp_delete_pl d;
		struct isakmp_id_pl id;
		char buf[128];

		switch (c.pl[i].type) {
		case ISAKMP_PT_SA:
			isakmp_sa_parse(c.pl[i].body, c.pl[i].body_len, c.pl[i].off + 4, &sa, &e);
			break;
		case ISAKMP_PT_N:
			if (isakmp_notify_parse(&c.pl[i], &n, &e) == 0) {
				struct isakmp_transform t;

				/* RESPONDER-LIFETIME carries an attribute list */
				isakmp_attrs_parse(n.data, n.data_len, 0, &t, &e);
			}
			break;
		case ISAKMP_PT_D:
			isakmp_delete_parse(&c.pl[i], &d, &e);
			break;
		case ISAKMP_PT_ID:
			if (isakmp_id_parse(&c.pl[i], &id, &e) == 0)
				isakmp_id_format(&id, buf, sizeof buf);
			break;
		default:
			break;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ike_policy pol;
	static bool init;
	struct ike_peer *p;
	struct drbg d;
	struct ike_packet pkt;
	struct ike_event ev;
	char line[256];

	parse_all(data, size);
	if (!init) {
		policy(&pol, "192.0.2.2", "192.0.2.1", false);
		init = true;
	}
	drbg_init(&d, 1);
	if (ike_peer_new(&p, &pol, &d) == 0) {
		ike_peer_input(p, data, size, &pol.remote, &pol.local, 0);
		while (ike_peer_output(p, &pkt))
			parse_all(pkt.data, pkt.len);
		while (ike_peer_event(p, &ev) || ike_peer_log(p, line, sizeof line))
			;
		ike_peer_free(p);
	}
	return 0;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static struct fuzz_seed seeds[16];
	static uint8_t store[16][ISAKMP_MSG_MAX + 4];
	static size_t nseeds;
	struct ike_policy pa, pb;
	struct ike_peer *a, *b;
	struct drbg da, db;
	struct ike_packet pkt;

	if (nseeds) {
		*n = nseeds;
		return seeds;
	}
	policy(&pa, "192.0.2.1", "192.0.2.2", true);
	policy(&pb, "192.0.2.2", "192.0.2.1", false);
	drbg_init(&da, 5);
	drbg_init(&db, 6);
	ike_peer_new(&a, &pa, &da);
	ike_peer_new(&b, &pb, &db);
	ike_peer_start(a, 0);
	for (int round = 0; round < 10 && nseeds < 16; round++) {
		while (ike_peer_output(a, &pkt) && nseeds < 16) {
			size_t m = pkt.to.port == 4500 ? 4 : 0;

			memcpy(store[nseeds], pkt.data + m, pkt.len - m);
			seeds[nseeds].data = store[nseeds];
			seeds[nseeds].len = pkt.len - m;
			nseeds++;
			ike_peer_input(b, pkt.data + m, pkt.len - m, &pkt.from, &pkt.to, 0);
		}
		while (ike_peer_output(b, &pkt) && nseeds < 16) {
			size_t m = pkt.to.port == 4500 ? 4 : 0;

			memcpy(store[nseeds], pkt.data + m, pkt.len - m);
			seeds[nseeds].data = store[nseeds];
			seeds[nseeds].len = pkt.len - m;
			nseeds++;
			ike_peer_input(a, pkt.data + m, pkt.len - m, &pkt.from, &pkt.to, 0);
		}
	}
	ike_peer_free(a);
	ike_peer_free(b);
	*n = nseeds;
	return seeds;
}
