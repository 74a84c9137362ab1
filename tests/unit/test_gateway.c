/*
 * harness/gateway.c and the rtnl helpers it uses: events as report text; route lookup,
 * locked-MTU routes and deletion; a gateway's routes for a route-based (0.0.0.0/0) tunnel
 * (the two halves via the tunnel, a host route pinning the peer's path) and their removal
 * at close. The namespace parts need namespaces (root or a user namespace) and skip cleanly
 * where they are refused.
 */
#include "tests/unit/unit.h"
#include "harness/gateway.h"
#include "harness/loop.h"
#include "harness/netns.h"
#include "harness/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include <netlink/errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_event_text(void)
{
	struct gw_event ev;
	char kind[32], text[320];

	memset(&ev, 0, sizeof ev);
	ev.type = GW_EV_IKE;
	ev.ike.type = IKE_EV_CHILD_SA_ESTABLISHED;
	snprintf(ev.ike.proposal, sizeof ev.ike.proposal, "ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ");
	ev.ike.spi_in = 0xc1a0e1d4;
	ev.ike.spi_out = 0x0000beef;
	ev.ike.lifetime = lab_sec(3600);
	ev.ike.udp_encap = true;
	gateway_event_text(&ev, kind, sizeof kind, text, sizeof text);
	CU_ASSERT_STRING_EQUAL(kind, "child_sa_established");
	CU_ASSERT_STRING_EQUAL(text, "ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ spi_in=c1a0e1d4 "
	                       "spi_out=0000beef lifetime=3600s udp_encap");

	memset(&ev, 0, sizeof ev);
	ev.type = GW_EV_IKE;
	ev.ike.type = IKE_EV_DPD_SENT;
	ev.ike.dpd_seq = 7;
	gateway_event_text(&ev, kind, sizeof kind, text, sizeof text);
	CU_ASSERT_STRING_EQUAL(kind, "dpd_sent");
	CU_ASSERT_STRING_EQUAL(text, "seq=7");

	memset(&ev, 0, sizeof ev);
	ev.type = GW_EV_IKE;
	ev.ike.type = IKE_EV_NO_PROPOSAL_CHOSEN;
	snprintf(ev.ike.detail, sizeof ev.ike.detail, "no proposal found");
	gateway_event_text(&ev, kind, sizeof kind, text, sizeof text);
	CU_ASSERT_STRING_EQUAL(kind, "no_proposal_chosen");
	CU_ASSERT_STRING_EQUAL(text, "(no proposal found)");

	memset(&ev, 0, sizeof ev);
	ev.type = GW_EV_FRAG_NEEDED;
	ev.mtu = 1438;
	snprintf(ev.detail, sizeof ev.detail, "1500 bytes with DF set");
	gateway_event_text(&ev, kind, sizeof kind, text, sizeof text);
	CU_ASSERT_STRING_EQUAL(kind, "frag_needed");
	CU_ASSERT_STRING_EQUAL(text, "mtu=1438 1500 bytes with DF set");

	memset(&ev, 0, sizeof ev);
	ev.type = GW_EV_HAIRPIN_DROP;
	gateway_event_text(&ev, kind, sizeof kind, text, sizeof text);
	CU_ASSERT_STRING_EQUAL(kind, "hairpin_drop");
	CU_ASSERT_STRING_EQUAL(text, "");
}

static struct sc_prefix pfx(const char *a, int len)
{
	struct sc_prefix p = { .family = AF_INET, .len = len };

	inet_pton(AF_INET, a, p.addr);
	return p;
}

static bool route_is(struct nl_sock *nl, const char *to, const char *dst, int len,
                     const char *via, const char *dev)
{
	struct sc_prefix a = pfx(to, 32), d = pfx(dst, len);
	struct sc_route r;
	char s[64] = "";

	if (rt_route_lookup(nl, &a, &r))
		return false;
	if (r.has_via)
		inet_ntop(AF_INET, r.via.addr, s, sizeof s);
	return r.dst.len == len && !memcmp(r.dst.addr, d.addr, 4) && !strcmp(s, via ? via : "") &&
	       !strcmp(r.dev, dev);
}

/* A namespace with a0 (192.0.2.1/24) up, its veth peer b0 up. */
static int ns_with_link(int *ns, struct nl_sock **nl)
{
	struct sc_prefix a = pfx("192.0.2.1", 24);

	if (netns_init() || netns_create(ns))
		return -1;
	*nl = rt_open(*ns);
	if (!*nl)
		return -1;
	rt_set_up(*nl, "lo", true);
	if (rt_veth_add(*nl, "a0", NULL, *ns, "b0", NULL, 0) < 0 || rt_set_up(*nl, "a0", true) < 0 ||
	    rt_set_up(*nl, "b0", true) < 0 || rt_addr_add(*nl, "a0", &a) < 0)
		return -1;
	return 0;
}

static void test_route_lookup(void)
{
	struct sc_route r = { .dst = pfx("10.0.0.0", 8), .has_via = true,
	                      .via = pfx("192.0.2.254", 32), .dev = "a0" };
	struct sc_route host = { .dst = pfx("10.9.9.9", 32), .dev = "a0" };
	struct sc_prefix a = pfx("10.1.2.3", 32);
	struct sc_route got;
	struct nl_sock *nl = NULL;
	int ns = -1;

	if (ns_with_link(&ns, &nl)) {
		fprintf(stderr, "(skipped: no network namespaces here) ");
		rt_close(nl);
		if (ns >= 0)
			close(ns);
		return;
	}
	CU_ASSERT_EQUAL(rt_route_lookup(nl, &a, &got), -NLE_OBJ_NOTFOUND);
	CU_ASSERT_EQUAL(rt_route_add(nl, &r), 0);
	CU_ASSERT_TRUE(route_is(nl, "10.1.2.3", "10.0.0.0", 8, "192.0.2.254", "a0"));
	CU_ASSERT_TRUE(route_is(nl, "192.0.2.77", "192.0.2.0", 24, NULL, "a0"));
	/* the longest prefix wins, a locked MTU is accepted */
	CU_ASSERT_EQUAL(rt_route_add_mtu(nl, &host, 1400), 0);
	CU_ASSERT_TRUE(route_is(nl, "10.9.9.9", "10.9.9.9", 32, NULL, "a0"));
	CU_ASSERT_TRUE(route_is(nl, "10.9.9.8", "10.0.0.0", 8, "192.0.2.254", "a0"));
	CU_ASSERT_EQUAL(rt_route_del(nl, &r), 0);
	CU_ASSERT_EQUAL(rt_route_lookup(nl, &a, &got), -NLE_OBJ_NOTFOUND);
	CU_ASSERT_EQUAL(rt_link_del(nl, "a0"), 0);
	CU_ASSERT_TRUE(rt_ifindex(nl, "a0") < 0);
	CU_ASSERT_TRUE(rt_ifindex(nl, "b0") < 0);       /* the veth took its peer along */
	rt_close(nl);
	close(ns);
}

/* A route-based tunnel to a peer behind a next hop: both halves go into the tunnel, the
 * peer keeps its path, and close removes all of it (as vpnlab peer does at exit). */
static void test_gateway_routes(void)
{
	struct sc_route def = { .dst = pfx("0.0.0.0", 0), .has_via = true,
	                        .via = pfx("192.0.2.254", 32) };
	struct gw_config *cfg = calloc(1, sizeof *cfg);
	struct gateway_opts o = { 0 };
	struct gateway *g = NULL;
	struct nl_sock *nl = NULL;
	struct ike_policy *p;
	struct drbg d;
	struct loop l;
	char msg[256] = "", err[128];
	int ns = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(cfg);
	if (ns_with_link(&ns, &nl)) {
		fprintf(stderr, "(skipped: no network namespaces here) ");
		rt_close(nl);
		if (ns >= 0)
			close(ns);
		free(cfg);
		return;
	}
	CU_ASSERT_EQUAL(rt_route_add(nl, &def), 0);
	gw_dataplane_default(&cfg->dp);
	cfg->nconns = 1;
	snprintf(cfg->conns[0].name, sizeof cfg->conns[0].name, "c");
	cfg->conns[0].enabled = true;
	p = &cfg->conns[0].ike;
	p->local.family = p->remote.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", p->local.addr);
	inet_pton(AF_INET, "203.0.113.9", p->remote.addr);
	p->local.port = p->remote.port = 500;
	memcpy(p->psk, "k", 1);
	p->psk_len = 1;
	p->nike = ike_props_parse("aes128-sha1-modp1536", false, p->ike, IKE_MAX_PROPS, err,
	                          sizeof err);
	p->nesp = ike_props_parse("aes128-sha1", true, p->esp, IKE_MAX_PROPS, err, sizeof err);
	p->local_ts.family = p->remote_ts.family = AF_INET;

	CU_ASSERT_FATAL(loop_init(&l, LOOP_CLOCK_VIRTUAL) == 0);
	drbg_init(&d, 5);
	o.name = "t";
	o.loop = &l;
	o.nsfd = ns;
	o.nl = nl;
	o.cfg = cfg;
	o.drbg = &d;
	o.tunnel = "tun9";
	o.tunnel_mtu = 1400;
	o.routes = true;
	o.remove_on_close = true;
	CU_ASSERT_EQUAL_FATAL(gateway_open(&g, &o, msg, sizeof msg), 0);
	CU_ASSERT_TRUE(route_is(nl, "10.1.2.3", "0.0.0.0", 1, NULL, "tun9"));
	CU_ASSERT_TRUE(route_is(nl, "198.18.0.1", "128.0.0.0", 1, NULL, "tun9"));
	CU_ASSERT_TRUE(route_is(nl, "203.0.113.9", "203.0.113.9", 32, "192.0.2.254", "a0"));
	CU_ASSERT_TRUE(route_is(nl, "192.0.2.254", "192.0.2.0", 24, NULL, "a0"));
	/* room for what the tunnel delivers; the tunnel MTU is on the routes */
	CU_ASSERT_EQUAL(rt_get_mtu(nl, "tun9"), 9000);
	gateway_close(g);
	CU_ASSERT_TRUE(rt_ifindex(nl, "tun9") < 0);
	CU_ASSERT_TRUE(route_is(nl, "203.0.113.9", "0.0.0.0", 0, "192.0.2.254", "a0"));
	CU_ASSERT_TRUE(route_is(nl, "10.1.2.3", "0.0.0.0", 0, "192.0.2.254", "a0"));
	gw_config_wipe(cfg);
	free(cfg);
	drbg_wipe(&d);
	loop_fini(&l);
	rt_close(nl);
	close(ns);
}

UNIT_SUITE(gateway,
           UNIT_TEST(test_event_text),
           UNIT_TEST(test_route_lookup),
           UNIT_TEST(test_gateway_routes))
