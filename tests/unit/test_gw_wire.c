/* The in-memory wire for the gateway tests (test_gw_wire.h). */
#include "tests/unit/test_gw_wire.h"
#include "tests/unit/unit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void net(struct ike_net *n, const char *cidr)
{
	char buf[64];
	char *slash;

	snprintf(buf, sizeof buf, "%s", cidr);
	slash = strchr(buf, '/');
	*slash = 0;
	n->family = AF_INET;
	inet_pton(AF_INET, buf, n->addr);
	n->len = atoi(slash + 1);
}

void wire_conn(struct gw_conn *c, const char *name, const char *local, const char *remote,
               const char *local_ts, const char *remote_ts, const char *ike, const char *esp,
               bool always_up)
{
	struct ike_policy *p = &c->ike;
	char err[200];

	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->enabled = true;
	c->always_up = always_up;
	p->local.family = p->remote.family = AF_INET;
	inet_pton(AF_INET, local, p->local.addr);
	inet_pton(AF_INET, remote, p->remote.addr);
	p->local.port = p->remote.port = 500;
	memcpy(p->psk, "test-secret", 11);
	p->psk_len = 11;
	p->nike = ike_props_parse(ike, false, p->ike, IKE_MAX_PROPS, err, sizeof err);
	p->nesp = ike_props_parse(esp, true, p->esp, IKE_MAX_PROPS, err, sizeof err);
	net(&p->local_ts, local_ts);
	net(&p->remote_ts, remote_ts);
	p->send_dpd_vid = p->send_natt_vid = true;
	p->initial_contact = true;
	p->initiator = always_up;
	p->dpd = IKE_DPD_IDLE;
	p->dpd_delay = lab_sec(30);
	p->dpd_timeout = lab_sec(120);
	p->ike_lifetime = lab_sec(28800);
	p->esp_lifetime = lab_sec(3600);
}

struct wire *wire_new(void)
{
	struct ip_reasm_config rc = { 0 };
	struct wire *w = calloc(1, sizeof *w);

	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	w->reasm = ip_reasm_new(&rc);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w->reasm);
	w->natted = -1;
	return w;
}

int wire_add(struct wire *w, const char *addr, const struct gw_config *cfg, uint64_t seed)
{
	struct wire_gw *g = &w->g[w->n];
	char err[200];
	int r;

	inet_pton(AF_INET, addr, g->addr);
	drbg_init(&g->drbg, seed);
	r = gw_new(&g->gw, cfg, &g->drbg, w->now, err, sizeof err);
	if (r) {
		fprintf(stderr, "gw_new: %s\n", err);
		return r;
	}
	w->n++;
	return 0;
}

static void pkts_free(struct wire_pkt *p, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(p[i].data);
	*n = 0;
}

void wire_clear(struct wire *w)
{
	for (int k = 0; k < w->n; k++) {
		pkts_free(w->g[k].sink, &w->g[k].nsink);
		pkts_free(w->g[k].cap, &w->g[k].ncap);
		w->g[k].nev = 0;
		w->g[k].keepalives = 0;
	}
}

void wire_free(struct wire *w)
{
	wire_clear(w);
	for (int i = 0; i < w->nheld; i++)
		free(w->held[i].data);
	for (int k = 0; k < w->n; k++)
		gw_free(w->g[k].gw);
	ip_reasm_free(w->reasm);
	free(w);
}

static void keep(struct wire_pkt *arr, size_t *n, const uint8_t *d, size_t len)
{
	if (*n >= WIRE_PKTS)
		return;
	arr[*n].data = malloc(len ? len : 1);
	memcpy(arr[*n].data, d, len);
	arr[*n].len = len;
	(*n)++;
}

#define NAT_500  1500
#define NAT_4500 14500

/* The NAT on the way out of the natted gateway (k the sender) and back in (k the receiver). */
static uint16_t nat_out(const struct wire *w, int k, uint16_t port)
{
	if (k != w->natted)
		return port;
	return port == 500 ? NAT_500 : port == 4500 ? NAT_4500 : port;
}

static uint16_t nat_in(const struct wire *w, int k, uint16_t port)
{
	if (k != w->natted)
		return port;
	return port == NAT_500 ? 500 : port == NAT_4500 ? 4500 : port;
}

static int by_addr(const struct wire *w, const uint8_t *a)
{
	for (int k = 0; k < w->n; k++)
		if (!memcmp(w->g[k].addr, a, 4))
			return k;
	return -1;
}

/* One outer IPv4 packet (or the reassembled datagram) to the gateway it is for. */
static void deliver_ip(struct wire *w, int sender, const uint8_t *pkt, size_t len)
{
	struct ipv4_hdr h;
	struct ip_err err;
	struct ip_reasm_datagram d;
	struct ike_endpoint from = { .family = AF_INET }, to = { .family = AF_INET };
	const uint8_t *pl;
	size_t pl_len;
	uint8_t proto;
	int k;

	CU_ASSERT_EQUAL_FATAL(ipv4_parse(pkt, len, &h, &err), 0);
	CU_ASSERT(h.csum_ok);
	k = by_addr(w, h.dst.a);
	if (k < 0)
		return;
	pl = h.payload;
	pl_len = h.payload_len;
	proto = h.proto;
	if (h.mf || h.frag_off) {
		struct ip_frag_in f = {
			.src = h.src, .dst = h.dst, .proto = h.proto, .id = h.id,
			.offset = h.frag_off, .mf = h.mf, .df = h.df, .ttl = h.ttl,
			.data = h.payload, .len = h.payload_len, .now = w->now,
		};

		if (ip_reasm_add(w->reasm, &f, &d) != 1)
			return;
		pl = d.data;
		pl_len = d.len;
	}
	memcpy(from.addr, h.src.a, 4);
	memcpy(to.addr, h.dst.a, 4);
	if (proto == IP_PROTO_ESP) {
		gw_esp_input(w->g[k].gw, pl, pl_len, &from, &to, w->now);
	} else if (proto == IP_PROTO_UDP) {
		struct udp_hdr u;

		CU_ASSERT_EQUAL_FATAL(udp_parse(pl, pl_len, &u, &err), 0);
		from.port = nat_out(w, sender, u.sport);
		to.port = nat_in(w, k, u.dport);
		gw_udp_input(w->g[k].gw, u.payload, u.payload_len, &from, &to, w->now);
	}
}

static bool drain(struct wire *w, int k)
{
	struct wire_gw *g = &w->g[k];
	struct gw_pkt p;
	char line[300];
	bool moved = false;

	/* copy first: delivering to another gateway must not run while p is borrowed */
	struct wire_pkt q[64];
	enum gw_out_kind kinds[64];
	struct ike_endpoint from[64], to[64];
	size_t nq = 0;

	while (nq < 64 && gw_output(g->gw, &p)) {
		q[nq].data = malloc(p.len ? p.len : 1);
		memcpy(q[nq].data, p.data, p.len);
		q[nq].len = p.len;
		kinds[nq] = p.kind;
		from[nq] = p.from;
		to[nq] = p.to;
		nq++;
	}
	while (g->nev < WIRE_EVS && gw_event_next(g->gw, &g->ev[g->nev]))
		g->nev++;
	while (gw_log_next(g->gw, line, sizeof line))
		if (w->print_logs)
			fprintf(stderr, "[%d %lld] %s\n", k, (long long)(w->now / LAB_NS_PER_MS), line);
	for (size_t i = 0; i < nq; i++) {
		for (size_t b = 0; b < q[i].len; b++)
			w->digest = w->digest * 131 + q[i].data[b];
		moved = true;
		if (kinds[i] == GW_OUT_INNER) {
			keep(g->sink, &g->nsink, q[i].data, q[i].len);
		} else if (kinds[i] == GW_OUT_UDP) {
			int t = by_addr(w, to[i].addr);

			w->nudp++;
			if (q[i].len == 1 && q[i].data[0] == 0xff) {
				g->keepalives++;
				g->keepalive_from = from[i];
				g->keepalive_to = to[i];
				g->keepalive_at = w->now;
			}
			from[i].port = nat_out(w, k, from[i].port);
			if (t >= 0)
				to[i].port = nat_in(w, t, to[i].port);
			if (t >= 0 && !w->cut && w->hold && w->nheld < 16 &&
			    w->hold(w, k, q[i].data, q[i].len)) {
				struct wire_held *h = &w->held[w->nheld++];

				h->data = q[i].data;
				h->len = q[i].len;
				h->from = from[i];
				h->to = to[i];
				h->target = t;
				continue;       /* the held copy owns the bytes now */
			}
			if (t >= 0 && !w->cut)
				gw_udp_input(w->g[t].gw, q[i].data, q[i].len, &from[i], &to[i], w->now);
		} else {
			w->nip++;
			keep(g->cap, &g->ncap, q[i].data, q[i].len);
			if (!w->cut)
				deliver_ip(w, k, q[i].data, q[i].len);
		}
		free(q[i].data);
	}
	return moved;
}

void wire_release(struct wire *w)
{
	for (int i = 0; i < w->nheld; i++) {
		struct wire_held *h = &w->held[i];

		gw_udp_input(w->g[h->target].gw, h->data, h->len, &h->from, &h->to, w->now);
		free(h->data);
	}
	w->nheld = 0;
	wire_shuttle(w);
}

void wire_shuttle(struct wire *w)
{
	bool moved = true;

	while (moved) {
		moved = false;
		for (int k = 0; k < w->n; k++)
			moved |= drain(w, k);
	}
}

void wire_run(struct wire *w, lab_ns end)
{
	wire_shuttle(w);
	for (;;) {
		lab_ns d = LAB_NEVER;

		for (int k = 0; k < w->n; k++) {
			lab_ns x = gw_deadline(w->g[k].gw);

			if (x < d)
				d = x;
		}
		if (d > end)
			break;
		if (d > w->now)
			w->now = d;
		for (int k = 0; k < w->n; k++)
			if (gw_deadline(w->g[k].gw) <= w->now)
				gw_timer(w->g[k].gw, w->now);
		wire_shuttle(w);
	}
	w->now = end;
}

size_t wire_ping(uint8_t *out, size_t len, const char *src, const char *dst, bool df,
                 uint16_t seq)
{
	struct ipv4_hdr h;
	static uint8_t data[65536];
	size_t dl = len - 28;

	memset(&h, 0, sizeof h);
	for (size_t i = 0; i < dl; i++)
		data[i] = (uint8_t)(i + seq);
	h.src.family = h.dst.family = 4;
	inet_pton(AF_INET, src, h.src.a);
	inet_pton(AF_INET, dst, h.dst.a);
	h.total_len = (uint16_t)len;
	h.id = seq;
	h.df = df;
	h.ttl = 64;
	h.proto = IP_PROTO_ICMP;
	h.tos = 0x28;
	CU_ASSERT_EQUAL_FATAL(ipv4_build(&h, out, 20), 20);
	CU_ASSERT_EQUAL_FATAL(icmp_echo_build(4, false, 0x77, seq, data, dl, NULL, NULL, out + 20,
	                                      len - 20), (int)(len - 20));
	return len;
}

void wire_send(struct wire *w, int k, const uint8_t *pkt, size_t len)
{
	gw_inner_input(w->g[k].gw, pkt, len, w->now);
	wire_shuttle(w);
}

size_t wire_count(const struct wire *w, int k, enum gw_event_type t, int ike_type)
{
	size_t n = 0;

	for (size_t i = 0; i < w->g[k].nev; i++)
		if (w->g[k].ev[i].type == t &&
		    (t != GW_EV_IKE || (int)w->g[k].ev[i].ike.type == ike_type))
			n++;
	return n;
}

const struct gw_event *wire_find(const struct wire *w, int k, enum gw_event_type t,
                                 int ike_type)
{
	for (size_t i = 0; i < w->g[k].nev; i++)
		if (w->g[k].ev[i].type == t &&
		    (t != GW_EV_IKE || (int)w->g[k].ev[i].ike.type == ike_type))
			return &w->g[k].ev[i];
	return NULL;
}
