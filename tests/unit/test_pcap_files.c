/*
 * Capture files through cap_file_*: each link type, fragments, ICMP errors, IKE on 500/4500,
 * NAT-T keepalives, ESP and UDP-encapsulated ESP, broken frames and a cut file. The fixtures
 * are written by tests/fixtures/pcap/gen.py (frame list in its main()); tshark 4.0 decodes the
 * same frames the same way (frame numbers, SPIs, MTUs, ICMPv6 checksum good).
 */
#include "tests/unit/unit.h"
#include "captures/pcap_file.h"

#include <errno.h>
#include <string.h>

#define MAXF 16

struct got {
	size_t n;
	struct cap_frame f[MAXF];
	int end_rc;
	char err[512];
	int dlt;
};

static void read_all(const char *name, struct got *g)
{
	char path[256], msg[512];
	struct cap_file *cf;
	const struct cap_frame *f;
	int rc;

	memset(g, 0, sizeof *g);
	snprintf(path, sizeof path, "fixtures/pcap/%s", name);
	rc = cap_file_open(unit_fixture(path), NULL, &cf, msg, sizeof msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	g->dlt = cap_file_dlt(cf);
	while ((rc = cap_file_next(cf, &f)) > 0) {
		if (g->n < MAXF)
			g->f[g->n++] = *f;   /* pointers inside go stale: tests use the scalars */
	}
	g->end_rc = rc;
	snprintf(g->err, sizeof g->err, "%s", cap_file_error(cf));
	cap_file_close(cf);
}

static void test_ethernet(void)
{
	struct got g;
	const struct cap_frame *f = g.f;

	read_all("eth_ike.pcap", &g);
	CU_ASSERT_EQUAL(g.end_rc, 0);
	CU_ASSERT_EQUAL(g.dlt, CAP_DLT_EN10MB);
	CU_ASSERT_EQUAL_FATAL(g.n, 12);
	for (size_t i = 0; i < g.n; i++)
		CU_ASSERT_EQUAL(f[i].number, i + 1);
	/* Timestamps: second 1700000000 + i, 123456 + i microseconds, in ns. */
	CU_ASSERT_EQUAL(f[0].ts_ns, 1700000000LL * 1000000000 + 123456000);
	CU_ASSERT_EQUAL(f[3].ts_ns, 1700000003LL * 1000000000 + 123459000);

	CU_ASSERT_EQUAL(f[0].app, CAP_APP_ISAKMP);
	CU_ASSERT_EQUAL(f[0].isakmp_len, 40);
	CU_ASSERT_EQUAL(f[0].isakmp_off, 14 + 20 + 8);
	CU_ASSERT_EQUAL(f[0].sport, 500);
	CU_ASSERT(f[0].ip_csum_ok);
	CU_ASSERT_EQUAL(f[0].err, 0);

	CU_ASSERT_EQUAL(f[1].nvlan, 1);
	CU_ASSERT_EQUAL(f[1].vlan[0], 100);
	CU_ASSERT_EQUAL(f[1].app, CAP_APP_ISAKMP);
	CU_ASSERT_EQUAL(f[1].isakmp_len, 60);
	CU_ASSERT_EQUAL(f[1].isakmp_off, 18 + 20 + 8 + 4);  /* after the non-ESP marker */

	CU_ASSERT_EQUAL(f[2].nvlan, 2);
	CU_ASSERT_EQUAL(f[2].vlan[0], 10);
	CU_ASSERT_EQUAL(f[2].vlan[1], 20);
	CU_ASSERT_EQUAL(f[2].app, CAP_APP_NATT_KEEPALIVE);

	CU_ASSERT_EQUAL(f[3].app, CAP_APP_UDP_ESP);
	CU_ASSERT_EQUAL(f[3].spi, 0xc0ffee01);
	CU_ASSERT_EQUAL(f[3].seq, 7);

	CU_ASSERT_EQUAL(f[4].app, CAP_APP_ESP);
	CU_ASSERT_EQUAL(f[4].l4, CAP_L4_ESP);
	CU_ASSERT_EQUAL(f[4].spi, 0xabcd);
	CU_ASSERT_EQUAL(f[4].seq, 1);

	CU_ASSERT_EQUAL(f[5].l3, CAP_L3_OTHER);   /* ARP */
	CU_ASSERT_EQUAL(f[5].ethertype, 0x0806);
	CU_ASSERT_EQUAL(f[5].err, 0);

	CU_ASSERT_EQUAL(f[6].err, 0);             /* bad checksum: reported, still decoded */
	CU_ASSERT(!f[6].ip_csum_ok);
	CU_ASSERT_EQUAL(f[6].app, CAP_APP_ISAKMP);

	CU_ASSERT_EQUAL(f[7].err, -EBADMSG);      /* IHL 4 */
	CU_ASSERT_STRING_EQUAL(f[7].error.field, "ipv4.ihl");
	CU_ASSERT_EQUAL(f[7].error.offset, 14);

	CU_ASSERT_EQUAL(f[8].l4, CAP_L4_TCP);
	CU_ASSERT_EQUAL(f[8].tcp_flags, 0x02);
	CU_ASSERT(f[8].has_mss);
	CU_ASSERT_EQUAL(f[8].mss, 1360);
	CU_ASSERT(f[8].df);

	CU_ASSERT_EQUAL(f[9].err, -EMSGSIZE);     /* 10-byte frame */
	CU_ASSERT_STRING_EQUAL(f[9].error.field, "eth.type");
	CU_ASSERT_EQUAL(f[9].error.offset, 12);

	CU_ASSERT_EQUAL(f[10].l3, CAP_L3_IPV6);
	CU_ASSERT_EQUAL(f[10].app, CAP_APP_ISAKMP);
	CU_ASSERT_EQUAL(f[10].isakmp_off, 14 + 40 + 8);

	CU_ASSERT(f[11].truncated);               /* snap length 50 of 134 */
	CU_ASSERT_EQUAL(f[11].caplen, 50);
	CU_ASSERT_EQUAL(f[11].wirelen, 134);
	CU_ASSERT_EQUAL(f[11].app, CAP_APP_ISAKMP);
	CU_ASSERT_EQUAL(f[11].isakmp_len, 50 - 42);
}

static void test_pcapng_same_frames(void)
{
	struct got a, b;

	read_all("eth_ike.pcap", &a);
	read_all("eth_ike.pcapng", &b);
	CU_ASSERT_EQUAL_FATAL(a.n, b.n);
	for (size_t i = 0; i < a.n; i++) {
		CU_ASSERT_EQUAL(a.f[i].ts_ns, b.f[i].ts_ns);
		CU_ASSERT_EQUAL(a.f[i].app, b.f[i].app);
		CU_ASSERT_EQUAL(a.f[i].spi, b.f[i].spi);
		CU_ASSERT_EQUAL(a.f[i].err, b.f[i].err);
		CU_ASSERT_EQUAL(a.f[i].caplen, b.f[i].caplen);
	}
}

static void test_cut_file(void)
{
	struct got g;

	read_all("eth_ike_cut.pcap", &g);
	CU_ASSERT_EQUAL(g.n, 4);                  /* the fifth record lost its last 7 bytes */
	CU_ASSERT_EQUAL(g.end_rc, -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(g.err, "frame 5 at byte offset"));
	CU_ASSERT_PTR_NOT_NULL(strstr(g.err, "eth_ike_cut.pcap"));
}

static void test_not_a_capture(void)
{
	struct cap_file *cf = (struct cap_file *)1;
	char msg[512];

	CU_ASSERT_EQUAL(cap_file_open(unit_fixture("fixtures/pcap/gen.py"), NULL, &cf, msg,
	                              sizeof msg), -EINVAL);
	CU_ASSERT_PTR_NULL(cf);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "gen.py"));
	CU_ASSERT_EQUAL(cap_file_open("/nonexistent.pcap", NULL, &cf, msg, sizeof msg), -EINVAL);
}

static void test_sll(void)
{
	struct got g;

	read_all("sll_esp.pcap", &g);
	CU_ASSERT_EQUAL(g.dlt, CAP_DLT_LINUX_SLL);
	CU_ASSERT_EQUAL_FATAL(g.n, 4);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(g.f[i].app, CAP_APP_ESP);
		CU_ASSERT_EQUAL(g.f[i].spi, 0x01020304);
		CU_ASSERT_EQUAL(g.f[i].seq, (uint32_t)i + 1);
		CU_ASSERT_EQUAL(g.f[i].l3_off, 16);
	}
	CU_ASSERT_EQUAL(g.f[3].l4, CAP_L4_ICMP);
	CU_ASSERT_EQUAL(g.f[3].icmp.kind, ICMP_KIND_ECHO_REQUEST);
	CU_ASSERT_EQUAL(g.f[3].icmp.echo_id, 0x77);
	CU_ASSERT(g.f[3].icmp.csum_ok);
}

static void test_sll2_icmp_errors(void)
{
	struct got g;
	const struct icmp_msg *m;

	read_all("sll2_icmp.pcap", &g);
	CU_ASSERT_EQUAL(g.dlt, CAP_DLT_LINUX_SLL2);
	CU_ASSERT_EQUAL_FATAL(g.n, 2);
	m = &g.f[0].icmp;
	CU_ASSERT(g.f[0].icmp_valid);
	CU_ASSERT_EQUAL(m->kind, ICMP_KIND_FRAG_NEEDED);
	CU_ASSERT_EQUAL(m->mtu, 1454);
	CU_ASSERT(m->csum_ok);
	CU_ASSERT(m->quote.has_spi);
	CU_ASSERT_EQUAL(m->quote.spi, 0xc1a2b3d4);
	CU_ASSERT_EQUAL(m->quote.dport, 4500);
	CU_ASSERT_EQUAL(m->quote.total_len, 20 + 8 + 8 + 1450);
	m = &g.f[1].icmp;
	CU_ASSERT_EQUAL(m->family, 6);
	CU_ASSERT_EQUAL(m->kind, ICMP_KIND_FRAG_NEEDED);
	CU_ASSERT_EQUAL(m->mtu, 1280);
	CU_ASSERT(m->csum_ok);                    /* tshark: "Checksum: 0x01d2 [correct]" */
	CU_ASSERT_EQUAL(m->quote.proto, IP_PROTO_ESP);
	CU_ASSERT_EQUAL(m->quote.spi, 0x1001);
}

static void test_raw_fragments(void)
{
	struct got g;
	const struct cap_frame *f = g.f;

	read_all("raw_frags.pcap", &g);
	CU_ASSERT_EQUAL(g.dlt, CAP_DLT_RAW);
	/* 6 frames, plus one reassembled datagram after frames 3 and 5. */
	CU_ASSERT_EQUAL_FATAL(g.n, 8);
	CU_ASSERT_EQUAL(f[0].ts_ns, 1700000000LL * 1000000000 + 123456789);   /* ns file */
	CU_ASSERT(f[0].fragment && f[1].fragment && f[2].fragment);
	CU_ASSERT_EQUAL(f[0].frag_off, 2960);
	CU_ASSERT(!f[0].mf);
	CU_ASSERT_EQUAL(f[0].app, CAP_APP_NONE);
	CU_ASSERT(!f[2].reassembled);
	CU_ASSERT(f[3].reassembled);
	CU_ASSERT_EQUAL(f[3].number, 3);
	CU_ASSERT_EQUAL(f[3].caplen, 3000);
	CU_ASSERT_EQUAL(f[3].app, CAP_APP_ISAKMP);
	CU_ASSERT_EQUAL(f[3].isakmp_len, 2992);
	CU_ASSERT_EQUAL(f[3].isakmp_off, 8);
	CU_ASSERT_EQUAL(f[3].frag_id, 0x99);
	CU_ASSERT_EQUAL(f[3].reasm.nfrags, 3);
	/* IPv6: frames 4 and 5, then the reassembled UDP-encapsulated ESP. */
	CU_ASSERT(f[4].fragment);
	CU_ASSERT_EQUAL(f[4].l3, CAP_L3_IPV6);
	CU_ASSERT_EQUAL(f[4].frag_id, 0x5151);
	CU_ASSERT(f[6].reassembled);
	CU_ASSERT_EQUAL(f[6].number, 5);
	CU_ASSERT_EQUAL(f[6].app, CAP_APP_UDP_ESP);
	CU_ASSERT_EQUAL(f[6].spi, 0xbeef);
	CU_ASSERT_EQUAL(f[6].seq, 77);
	CU_ASSERT_EQUAL(f[6].caplen, 2000);
	/* Frame 6 starts a datagram whose other fragments never come. */
	CU_ASSERT(f[7].fragment);
	CU_ASSERT(!f[7].reassembled);
	CU_ASSERT_EQUAL(f[7].number, 6);
}

static void test_fragment_record(void)
{
	char msg[256];
	struct cap_file *cf;
	const struct cap_frame *f;
	int seen = 0;

	CU_ASSERT_EQUAL_FATAL(cap_file_open(unit_fixture("fixtures/pcap/raw_frags.pcap"), NULL,
	                                    &cf, msg, sizeof msg), 0);
	while (cap_file_next(cf, &f) > 0) {
		if (!f->reassembled || f->l3 != CAP_L3_IPV4)
			continue;
		seen++;
		CU_ASSERT_EQUAL_FATAL(f->reasm.nfrags, 3);
		/* Arrival order: last fragment (frame 1), first (2), middle (3). */
		CU_ASSERT_EQUAL(f->reasm.frags[0].frame, 1);
		CU_ASSERT_EQUAL(f->reasm.frags[0].offset, 2960);
		CU_ASSERT_EQUAL(f->reasm.frags[0].len, 40);
		CU_ASSERT_EQUAL(f->reasm.frags[1].frame, 2);
		CU_ASSERT_EQUAL(f->reasm.frags[1].len, 1480);
		CU_ASSERT(f->reasm.frags[1].mf);
		CU_ASSERT_EQUAL(f->reasm.frags[2].frame, 3);
		CU_ASSERT(!f->reasm.first_df);
		/* The ISAKMP slice is the reassembled bytes: its header says 2992 bytes. */
		CU_ASSERT_EQUAL(f->isakmp[17], 0x10);
		CU_ASSERT_EQUAL(((size_t)f->isakmp[26] << 8) | f->isakmp[27], 2992);
	}
	CU_ASSERT_EQUAL(seen, 1);
	cap_file_close(cf);
}

static void test_loopback_and_ipv6_linktypes(void)
{
	struct got g;

	read_all("null_ike.pcap", &g);
	CU_ASSERT_EQUAL(g.dlt, CAP_DLT_NULL);
	CU_ASSERT_EQUAL_FATAL(g.n, 2);
	CU_ASSERT_EQUAL(g.f[0].app, CAP_APP_ISAKMP);
	CU_ASSERT_EQUAL(g.f[0].l3_off, 4);
	CU_ASSERT_EQUAL(g.f[1].l3, CAP_L3_IPV6);
	CU_ASSERT_EQUAL(g.f[1].spi, 0x42);
	read_all("ipv6_esp.pcap", &g);
	CU_ASSERT_EQUAL(g.dlt, CAP_DLT_IPV6);
	CU_ASSERT_EQUAL_FATAL(g.n, 2);
	CU_ASSERT_EQUAL(g.f[1].app, CAP_APP_ESP);
	CU_ASSERT_EQUAL(g.f[1].spi, 0x4242);
	CU_ASSERT_EQUAL(g.f[1].seq, 2);
}

UNIT_SUITE(pcap_files,
	UNIT_TEST(test_ethernet),
	UNIT_TEST(test_pcapng_same_frames),
	UNIT_TEST(test_cut_file),
	UNIT_TEST(test_not_a_capture),
	UNIT_TEST(test_sll),
	UNIT_TEST(test_sll2_icmp_errors),
	UNIT_TEST(test_raw_fragments),
	UNIT_TEST(test_fragment_record),
	UNIT_TEST(test_loopback_and_ipv6_linktypes))
