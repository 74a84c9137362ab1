/*
 * Captures recorded from real Linux kernels by tests/fixtures/pcap/record-real.sh (Debian 12,
 * tcpdump 4.99 / libpcap 1.10): three namespaces, a 1454-byte link, ping with and without DF,
 * ike-scan 1.9.5 to UDP 500 and (--nat-t) 4500 with nothing listening. tshark 4.0.17 reads the
 * same frame numbers: frag needed with MTU 1454 at frame 9 (host side, Ethernet) and frame 11
 * (router side, "any" = SLL2), packet too big with MTU 1454 at 23 / 37, ISAKMP Main Mode at
 * 24 and 27, port unreachable at 25 and 28.
 */
#include "tests/unit/unit.h"
#include "captures/pcap_file.h"

#include <string.h>

struct seen {
	int frames, reassembled, errors;
	int frag_needed_frame, ptb_frame;
	uint32_t frag_needed_mtu, ptb_mtu;
	int isakmp500_frame, isakmp4500_frame;
	size_t isakmp500_len, isakmp4500_off;
	int unreach500_frame, unreach4500_frame;
	size_t first_reasm_len, first_reasm_frags;
	uint64_t first_reasm_frame, first_reasm_frag0;
	bool icmp_csum_all_ok;
	int dlt;
};

static void scan(const char *name, struct seen *s)
{
	char path[256], msg[512];
	struct cap_file *cf;
	const struct cap_frame *f;

	memset(s, 0, sizeof *s);
	s->icmp_csum_all_ok = true;
	snprintf(path, sizeof path, "fixtures/pcap/%s", name);
	CU_ASSERT_EQUAL_FATAL(cap_file_open(unit_fixture(path), NULL, &cf, msg, sizeof msg), 0);
	s->dlt = cap_file_dlt(cf);
	while (cap_file_next(cf, &f) > 0) {
		int n = (int)f->number;

		if (f->err)
			s->errors++;
		if (f->reassembled) {
			if (!s->reassembled++) {
				s->first_reasm_len = f->caplen;
				s->first_reasm_frags = f->reasm.nfrags;
				s->first_reasm_frame = f->number;
				s->first_reasm_frag0 = f->reasm.frags[0].frame;
			}
			continue;
		}
		s->frames++;
		if (f->icmp_valid) {
			if (!f->icmp.csum_ok)
				s->icmp_csum_all_ok = false;
			if (f->icmp.kind == ICMP_KIND_FRAG_NEEDED && f->icmp.family == 4) {
				s->frag_needed_frame = n;
				s->frag_needed_mtu = f->icmp.mtu;
			}
			if (f->icmp.kind == ICMP_KIND_FRAG_NEEDED && f->icmp.family == 6) {
				s->ptb_frame = n;
				s->ptb_mtu = f->icmp.mtu;
			}
			if (f->icmp.kind == ICMP_KIND_UNREACH && f->icmp.quote.has_ports) {
				if (f->icmp.quote.dport == 500 && !s->unreach500_frame)
					s->unreach500_frame = n;
				if (f->icmp.quote.dport == 4500 && !s->unreach4500_frame)
					s->unreach4500_frame = n;
			}
		}
		if (f->app == CAP_APP_ISAKMP && f->dport == 500 && !s->isakmp500_frame) {
			s->isakmp500_frame = n;
			s->isakmp500_len = f->isakmp_len;
		}
		if (f->app == CAP_APP_ISAKMP && f->dport == 4500 && !s->isakmp4500_frame) {
			s->isakmp4500_frame = n;
			s->isakmp4500_off = f->isakmp_off;
		}
	}
	cap_file_close(cf);
}

static void test_host_side_ethernet(void)
{
	struct seen s;

	scan("real_eth_kernel.pcap", &s);
	CU_ASSERT_EQUAL(s.dlt, CAP_DLT_EN10MB);
	CU_ASSERT_EQUAL(s.frames, 29);
	CU_ASSERT_EQUAL(s.errors, 0);
	CU_ASSERT(s.icmp_csum_all_ok);            /* every kernel-made ICMP/ICMPv6 checksum */
	CU_ASSERT_EQUAL(s.frag_needed_frame, 9);
	CU_ASSERT_EQUAL(s.frag_needed_mtu, 1454);
	CU_ASSERT_EQUAL(s.ptb_frame, 23);
	CU_ASSERT_EQUAL(s.ptb_mtu, 1454);
	/* ike-scan's Main Mode: 378-byte frame = 14 + 20 + 8 + 336. */
	CU_ASSERT_EQUAL(s.isakmp500_frame, 24);
	CU_ASSERT_EQUAL(s.isakmp500_len, 336);
	CU_ASSERT_EQUAL(s.isakmp4500_frame, 27);
	CU_ASSERT_EQUAL(s.isakmp4500_off, 14 + 20 + 8 + 4);
	CU_ASSERT_EQUAL(s.unreach500_frame, 25);
	CU_ASSERT_EQUAL(s.unreach4500_frame, 28);
	/* ping -s 2972 after the PMTU drop: 2980 bytes of ICMP in frames 10, 11, 12. */
	CU_ASSERT_EQUAL(s.reassembled, 4);
	CU_ASSERT_EQUAL(s.first_reasm_len, 2980);
	CU_ASSERT_EQUAL(s.first_reasm_frags, 3);
	CU_ASSERT_EQUAL(s.first_reasm_frame, 12);
	CU_ASSERT_EQUAL(s.first_reasm_frag0, 10);
}

static void test_router_side_sll2(void)
{
	struct seen s;

	scan("real_sll2_router.pcap", &s);
	CU_ASSERT_EQUAL(s.dlt, CAP_DLT_LINUX_SLL2);
	CU_ASSERT_EQUAL(s.frames, 47);
	CU_ASSERT_EQUAL(s.errors, 0);
	CU_ASSERT(s.icmp_csum_all_ok);
	CU_ASSERT_EQUAL(s.frag_needed_frame, 11);
	CU_ASSERT_EQUAL(s.frag_needed_mtu, 1454);
	CU_ASSERT_EQUAL(s.ptb_frame, 37);
	CU_ASSERT_EQUAL(s.isakmp500_frame, 38);
	CU_ASSERT_EQUAL(s.isakmp4500_frame, 43);
	CU_ASSERT_EQUAL(s.isakmp4500_off, 20 + 20 + 8 + 4);
	/*
	 * On "any" every forwarded fragment is seen twice (in on ra, out on rb): the copies are
	 * exact duplicates, recorded in the fragment list, and the datagram completes once.
	 */
	CU_ASSERT_EQUAL(s.first_reasm_len, 2980);
	CU_ASSERT_EQUAL(s.first_reasm_frags, 5);
	CU_ASSERT_EQUAL(s.first_reasm_frame, 18);
	CU_ASSERT_EQUAL(s.first_reasm_frag0, 12);
}

UNIT_SUITE(pcap_real,
	UNIT_TEST(test_host_side_ethernet),
	UNIT_TEST(test_router_side_sll2))
