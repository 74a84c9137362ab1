/*
 * The checks (captures/check.h): for every kind, a trace that satisfies it and one that
 * violates it. Traces come from the real captures under tests/fixtures/pcap (strongSwan, the
 * kernel's ICMP and fragments) and, for what those do not hold, from frames built here with
 * the project's own codecs (ISAKMP builder, IPv4 builder, ESP SA) and fed to trace_frame.
 */
#include "tests/unit/unit.h"
#include "captures/check.h"
#include "peers/esp/esp_sa.h"
#include "peers/ike/isakmp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEC 1000000000LL

static const struct ip_addr A = { 4, { 10, 10, 0, 1 } }, B = { 4, { 10, 10, 0, 2 } },
                            C = { 4, { 10, 10, 0, 3 } };

static struct trace *from_files(const char *rel, const char *keys, struct cap_keys **kout)
{
	char path[512], msg[512];
	struct cap_keys *k = NULL;
	struct trace *t;

	if (keys) {
		k = cap_keys_new();
		CU_ASSERT_EQUAL_FATAL(cap_keys_load(k, unit_fixture(keys), msg, sizeof msg), 0);
	}
	snprintf(path, sizeof path, "%s", unit_fixture(rel));
	const char *p[] = { path };
	t = trace_new(k);
	CU_ASSERT_EQUAL_FATAL(trace_read(t, p, 1, msg, sizeof msg), 0);
	*kout = k;
	return t;
}

static struct check_verdict judge(const struct trace *t, struct check_expect e)
{
	struct check_verdict v;

	check_judge(t, &e, &v);
	if (getenv("CHECK_DEBUG"))            /* what a failing assertion saw */
	{
		size_t n;
		const struct trace_ev *ev = trace_events(t, &n);
		char line[1400];
		fprintf(stderr, "%s: %s | %s | %s\n", check_kind_name(e.kind), v.expected,
		        v.observed, v.where);
		for (size_t i = 0; i < n && getenv("CHECK_EVENTS"); i++) {
			trace_ev_format(t, &ev[i], line, sizeof line);
			fprintf(stderr, "  %s\n", line);
		}
	}
	CU_ASSERT_NOT_EQUAL(v.expected[0], 0);
	CU_ASSERT_NOT_EQUAL(v.observed[0], 0);
	return v;
}

/* The check fails on t, its observed text says `text`; t is freed. */
static void fails_saying(struct trace *t, struct check_expect e, const char *text)
{
	struct check_verdict v = judge(t, e);

	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, text));
	trace_free(t);
}

/* ---- frames built here ---- */

static uint64_t fnum;

/* A trace for frames built here: numbering starts at 1 again. */
static struct trace *fresh(const struct cap_keys *k)
{
	fnum = 0;
	return trace_new(k);
}

static void feed_isakmp(struct trace *t, int64_t ts, struct ip_addr src, struct ip_addr dst,
                        uint8_t ic, uint8_t rc, uint8_t exch, uint32_t mid, uint8_t flags,
                        const struct isakmp_builder *b)
{
	static uint8_t msg[ISAKMP_MSG_MAX + ISAKMP_HDR_LEN];
	struct isakmp_hdr h = { .np = b ? b->first_np : 0, .version = ISAKMP_VERSION,
	                        .exch = exch, .flags = flags, .msgid = mid };
	struct cap_frame f;
	size_t len = ISAKMP_HDR_LEN;

	memset(h.icookie, ic, 8);
	memset(h.rcookie, rc, 8);
	if (flags & ISAKMP_FLAG_ENC) {
		memset(msg + len, (int)(0x5a ^ fnum), 32);   /* ciphertext nobody has a key for */
		len += 32;
		h.np = ISAKMP_PT_HASH;
	} else if (b) {
		memcpy(msg + len, b->buf, b->len);
		len += b->len;
	}
	h.length = (uint32_t)len;
	isakmp_hdr_write(msg, &h);
	memset(&f, 0, sizeof f);
	f.number = ++fnum;
	f.ts_ns = ts;
	f.src = src;
	f.dst = dst;
	f.l3 = CAP_L3_IPV4;
	f.l4 = CAP_L4_UDP;
	f.sport = f.dport = 500;
	f.app = CAP_APP_ISAKMP;
	f.isakmp = msg;
	f.isakmp_len = len;
	f.data = msg;
	f.caplen = f.wirelen = (uint32_t)len;
	trace_frame(t, 0, &f);
}

/* An SA payload body with one proposal of one transform (RFC 2408 3.4-3.6). */
static void put_sa(struct isakmp_builder *b, bool esp, uint32_t spi)
{
	uint8_t body[64];
	size_t n = 0;
	static const uint8_t p1_attrs[] = { 0x80, 1, 0, 7, 0x80, 14, 0, 128, 0x80, 2, 0, 2,
	                                    0x80, 3, 0, 1, 0x80, 4, 0, 14 };
	static const uint8_t p2_attrs[] = { 0x80, 1, 0, 1, 0x80, 2, 0x70, 0x80, 0x80, 4, 0, 1,
	                                    0x80, 5, 0, 2, 0x80, 6, 0, 128 };
	const uint8_t *attrs = esp ? p2_attrs : p1_attrs;
	size_t tlen = 8 + 20, plen = 8 + (esp ? 4 : 0) + tlen;

	memcpy(body + n, "\0\0\0\1\0\0\0\1", 8);          /* DOI IPsec, SIT_IDENTITY_ONLY */
	n += 8;
	body[n++] = 0;                                   /* last proposal */
	body[n++] = 0;
	body[n++] = (uint8_t)(plen >> 8);
	body[n++] = (uint8_t)plen;
	body[n++] = 1;                                   /* proposal 1 */
	body[n++] = esp ? ISAKMP_PROTO_ESP : ISAKMP_PROTO_ISAKMP;
	body[n++] = esp ? 4 : 0;
	body[n++] = 1;
	if (esp) {
		body[n++] = (uint8_t)(spi >> 24);
		body[n++] = (uint8_t)(spi >> 16);
		body[n++] = (uint8_t)(spi >> 8);
		body[n++] = (uint8_t)spi;
	}
	body[n++] = 0;                                   /* last transform */
	body[n++] = 0;
	body[n++] = (uint8_t)(tlen >> 8);
	body[n++] = (uint8_t)tlen;
	body[n++] = 1;
	body[n++] = esp ? 12 : 1;                        /* ESP_AES / KEY_IKE */
	body[n++] = 0;
	body[n++] = 0;
	memcpy(body + n, attrs, 20);
	n += 20;
	isakmp_put_payload(b, ISAKMP_PT_SA, body, n);
}

static void put_id(struct isakmp_builder *b, uint8_t net)
{
	uint8_t id[12] = { ISAKMP_ID_IPV4_ADDR_SUBNET, 0, 0, 0, 172, 16, net, 0, 255, 255, 255, 0 };
	isakmp_put_payload(b, ISAKMP_PT_ID, id, sizeof id);
}

/* Main mode between src (initiator) and dst with cookie byte ic: MM1, MM2, MM5, MM6. */
static void main_mode(struct trace *t, int64_t ts, struct ip_addr i, struct ip_addr r, uint8_t ic)
{
	struct isakmp_builder b;

	isakmp_build_init(&b);
	put_sa(&b, false, 0);
	feed_isakmp(t, ts, i, r, ic, 0, ISAKMP_XCHG_IDPROT, 0, 0, &b);
	feed_isakmp(t, ts + 1000, r, i, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_IDPROT, 0, 0, &b);
	feed_isakmp(t, ts + 2000, i, r, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_IDPROT, 0,
	            ISAKMP_FLAG_ENC, NULL);
	feed_isakmp(t, ts + 3000, r, i, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_IDPROT, 0,
	            ISAKMP_FLAG_ENC, NULL);
}

/* A clear quick mode (QM1 SA+ID, QM2 SA+ID, QM3 HASH): a CHILD_SA with SPIs spi_i / spi_r. */
static void quick_mode(struct trace *t, int64_t ts, struct ip_addr i, struct ip_addr r,
                       uint8_t ic, uint32_t mid, uint32_t spi_i, uint32_t spi_r)
{
	struct isakmp_builder b;
	uint8_t hash[20] = { 0 };

	isakmp_build_init(&b);
	put_sa(&b, true, spi_i);
	put_id(&b, 1);
	put_id(&b, 2);
	feed_isakmp(t, ts, i, r, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_QUICK, mid, 0, &b);
	isakmp_build_init(&b);
	put_sa(&b, true, spi_r);
	put_id(&b, 1);
	put_id(&b, 2);
	feed_isakmp(t, ts + 1000, r, i, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_QUICK, mid, 0, &b);
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_HASH, hash, sizeof hash);
	feed_isakmp(t, ts + 2000, i, r, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_QUICK, mid, 0, &b);
}

static void notify(struct trace *t, int64_t ts, struct ip_addr s, struct ip_addr d, uint8_t ic,
                   uint16_t type, uint32_t seq)
{
	struct isakmp_builder b;
	uint8_t data[4] = { (uint8_t)(seq >> 24), (uint8_t)(seq >> 16), (uint8_t)(seq >> 8),
	                    (uint8_t)seq };
	uint8_t spi[16];

	memset(spi, ic, 8);
	memset(spi + 8, ic + 1, 8);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, type, data, type >= 36136 ? 4 : 0);
	feed_isakmp(t, ts, s, d, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_INFO, seq * 7 + type, 0, &b);
}

/* An outer IPv4 frame around payload (proto), decoded as captured (raw IP). */
static void feed_ip(struct trace *t, int64_t ts, struct ip_addr s, struct ip_addr d,
                    uint8_t proto, const uint8_t *payload, size_t len)
{
	static uint8_t pkt[4096];
	struct ipv4_hdr h = { .total_len = (uint16_t)(20 + len), .ttl = 64, .proto = proto,
	                      .src = s, .dst = d, .id = (uint16_t)fnum };
	struct cap_frame f;

	CU_ASSERT_EQUAL_FATAL(ipv4_build(&h, pkt, sizeof pkt), 20);
	memcpy(pkt + 20, payload, len);
	cap_frame_decode(CAP_DLT_RAW, pkt, 20 + len, 20 + len, &f);
	f.number = ++fnum;
	f.ts_ns = ts;
	trace_frame(t, 0, &f);
}

/* An ESP packet with only SPI and sequence meaningful (nobody decrypts it). */
static void esp_plain(struct trace *t, int64_t ts, struct ip_addr s, struct ip_addr d,
                      uint32_t spi, uint32_t seq)
{
	uint8_t p[64];

	memset(p, 0x33, sizeof p);
	for (int i = 0; i < 4; i++) {
		p[i] = (uint8_t)(spi >> (24 - 8 * i));
		p[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	}
	feed_ip(t, ts, s, d, 50, p, sizeof p);
}

/* Keys for ESP built here: one key for every SPI ("*"), AES-128 / HMAC-SHA1-96. */
static const uint8_t keymat[36] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
                                    31, 32, 33, 34, 35, 36 };

static struct cap_keys *wild_keys(void)
{
	struct cap_keys *k = cap_keys_new();
	char line[400], msg[200];
	size_t n = (size_t)snprintf(line, sizeof line, "\"IPv4\",\"*\",\"*\",\"*\",\"AES-CBC "
	                            "[RFC3602]\",\"0x");
	for (int i = 0; i < 16; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "%02x", keymat[i]);
	n += (size_t)snprintf(line + n, sizeof line - n, "\",\"HMAC-SHA-1-96 [RFC2404]\",\"0x");
	for (int i = 16; i < 36; i++)
		n += (size_t)snprintf(line + n, sizeof line - n, "%02x", keymat[i]);
	n += (size_t)snprintf(line + n, sizeof line - n, "\"\n");
	CU_ASSERT_EQUAL(cap_keys_parse(k, CAP_KEYS_ESP, "w", line, n, msg, sizeof msg), 0);
	return k;
}

/* An inner IPv4 packet: ICMP echo request id/seq, or a fragment of one (frag: MF set). */
static size_t inner_echo(uint8_t *out, struct ip_addr s, struct ip_addr d, uint16_t id,
                         uint16_t seq, bool frag)
{
	uint8_t icmp[64], data[32] = { 0 };
	int n = icmp_echo_build(4, false, id, seq, data, sizeof data, &s, &d, icmp, sizeof icmp);
	struct ipv4_hdr h = { .total_len = (uint16_t)(20 + n), .ttl = 63, .proto = 1, .src = s,
	                      .dst = d, .id = seq, .mf = frag };

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(ipv4_build(&h, out, 128), 20);
	memcpy(out + 20, icmp, (size_t)n);
	return 20 + (size_t)n;
}

/* The inner packet encrypted on SPI spi with sequence seq, from s to d. */
static void esp_inner(struct trace *t, int64_t ts, struct ip_addr s, struct ip_addr d,
                      uint32_t spi, uint32_t seq, const uint8_t *inner, size_t ilen)
{
	struct esp_sa_config cfg = { .spi = spi, .dir = ESP_DIR_OUT, .encr = ESP_ENCR_AES128_CBC,
	                             .integ = ESP_INTEG_HMAC_SHA1_96, .keymat = keymat,
	                             .keymat_len = sizeof keymat };
	struct esp_sa *sa;
	uint8_t out[512], iv[16] = { 9 };
	size_t n;

	CU_ASSERT_EQUAL_FATAL(esp_sa_new(&cfg, 0, &sa), 0);
	if (seq > 1)
		CU_ASSERT_EQUAL(esp_sa_seq_restart(sa, seq), 0);
	CU_ASSERT_EQUAL_FATAL(esp_sa_encrypt_iv(sa, iv, inner, ilen, out, sizeof out, &n), 0);
	esp_sa_free(sa);
	feed_ip(t, ts, s, d, 50, out, n);
}

static const struct ip_addr I1 = { 4, { 172, 16, 1, 1 } }, I2 = { 4, { 172, 16, 2, 1 } };

/* ---- the tests ---- */

static void test_check_proposals_and_timeline(void)
{
	struct cap_keys *k;
	struct trace *t = from_files("fixtures/pcap/strongswan_ikev1.pcap",
	                             "fixtures/pcap/strongswan_ikev1.keys", &k);
	struct check_verdict v;
	struct check_expect e = { .kind = CHK_IKE_PROPOSAL, .a = A, .b = B };

	snprintf(e.proposal, sizeof e.proposal,
	         "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048");
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "strongswan_ikev1.pcap#2");
	snprintf(e.proposal, sizeof e.proposal,
	         "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	v = judge(t, e);
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.observed, "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048");
	CU_ASSERT_STRING_EQUAL(v.where, "strongswan_ikev1.pcap#2");
	e.b = C;                                         /* nothing between A and C */
	CU_ASSERT_FALSE(judge(t, e).pass);

	e = (struct check_expect){ .kind = CHK_ESP_PROPOSAL, .a = B, .b = A };
	snprintf(e.proposal, sizeof e.proposal, "ESP:AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ");
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "strongswan_ikev1.pcap#8,25");
	snprintf(e.proposal, sizeof e.proposal, "ESP:AES_CBC_256/HMAC_SHA2_256_128/NO_EXT_SEQ");
	CU_ASSERT_FALSE(judge(t, e).pass);

	e = (struct check_expect){ .kind = CHK_TUNNEL_UP_WITHIN, .a = A, .b = B, .within = SEC };
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "strongswan_ikev1.pcap#1,9");
	e.within = SEC / 1000;                           /* it took about 20 ms */
	CU_ASSERT_FALSE(judge(t, e).pass);

	e = (struct check_expect){ .kind = CHK_CHILD_REKEY_EVERY, .interval = 5430 * SEC / 1000,
	                           .tolerance = SEC / 10 };
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "strongswan_ikev1.pcap#26");
	e.interval = 3600 * SEC;
	v = judge(t, e);
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "(out)"));

	e = (struct check_expect){ .kind = CHK_DPD_EVERY, .a = B, .interval = 2 * SEC,
	                           .tolerance = SEC / 10 };
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "strongswan_ikev1.pcap#20");
	e.interval = 10 * SEC;
	CU_ASSERT_FALSE(judge(t, e).pass);

	/* Decrypted traffic and no hairpin: refused holds. */
	e = (struct check_expect){ .kind = CHK_HAIRPIN_REFUSED };
	CU_ASSERT_TRUE(judge(t, e).pass);
	/* A rekey, but each ping ran on one SA only: loss across it cannot be judged. */
	e = (struct check_expect){ .kind = CHK_NO_LOSS_ACROSS_REKEY };
	v = judge(t, e);
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "cannot judge"));
	/* No ESP restart nor replay in a clean run. */
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_ESP_SEQ_RESTART }).pass);
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_REPLAY_DROPPED }).pass);
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_NO_PROPOSAL_CHOSEN }).pass);
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_IKE_REAUTH_EVERY,
	                                                 .interval = SEC }).pass);
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_DPD_TIMEOUT, .a = A,
	                                                 .action = "restart" }).pass);
	trace_free(t);
	cap_keys_free(k);

	/* Without keys the hairpin cannot be proven refused. */
	t = from_files("fixtures/pcap/strongswan_ikev1.pcap", NULL, &k);
	v = judge(t, (struct check_expect){ .kind = CHK_HAIRPIN_REFUSED });
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "cannot be judged"));
	trace_free(t);
}

static void test_check_icmp_frag_mss(void)
{
	struct cap_keys *k;
	struct trace *t = from_files("fixtures/pcap/real_eth_kernel.pcap", NULL, &k);
	struct check_verdict v;
	struct check_expect e = { .kind = CHK_ICMP_FRAG_NEEDED, .n = 1454 };

	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "real_eth_kernel.pcap#9,23");
	e.n = 1400;
	v = judge(t, e);
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "real_eth_kernel.pcap#9,23");   /* the ones with 1454 */
	/* The kernel fragmented ICMP there, not ESP. */
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_OUTER_FRAGMENTS }).pass);
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_TCP_MSS_MAX, .n = 9000 }).pass);
	trace_free(t);

	/* Host side and router side of the same run: restricted to the router's capture. */
	{
		char p1[512], p2[512], msg[256];
		snprintf(p1, sizeof p1, "%s", unit_fixture("fixtures/pcap/real_eth_kernel.pcap"));
		snprintf(p2, sizeof p2, "%s", unit_fixture("fixtures/pcap/real_sll2_router.pcap"));
		const char *both[] = { p1, p2 };
		t = trace_new(NULL);
		CU_ASSERT_EQUAL_FATAL(trace_read(t, both, 2, msg, sizeof msg), 0);
		e = (struct check_expect){ .kind = CHK_ICMP_FRAG_NEEDED, .n = 1454,
		                           .capture = "real_sll2_router.pcap" };
		v = judge(t, e);
		CU_ASSERT_TRUE(v.pass);
		CU_ASSERT_STRING_EQUAL(v.where, "real_sll2_router.pcap#11,37");
		CU_ASSERT_PTR_NOT_NULL(strstr(v.expected, "(in real_sll2_router.pcap)"));
		snprintf(e.capture, sizeof e.capture, "other.pcap");
		CU_ASSERT_FALSE(judge(t, e).pass);
		trace_free(t);
	}

	t = from_files("fixtures/pcap/raw_frags.pcap", NULL, &k);
	v = judge(t, (struct check_expect){ .kind = CHK_OUTER_FRAGMENTS });
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "ESP"));
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_INNER_FRAGMENTS }).pass);
	trace_free(t);

	t = from_files("fixtures/pcap/eth_ike.pcap", NULL, &k);
	v = judge(t, (struct check_expect){ .kind = CHK_TCP_MSS_MAX, .n = 1460 });
	CU_ASSERT_TRUE(v.pass);
	v = judge(t, (struct check_expect){ .kind = CHK_TCP_MSS_MAX, .n = 1000 });
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "above 1000"));
	/* One direction only: the SYN is 192.0.2.1's; the other way carried none. */
	{
		struct ip_addr h = { 4, { 192, 0, 2, 1 } }, g = { 4, { 198, 51, 100, 2 } };
		v = judge(t, (struct check_expect){ .kind = CHK_TCP_MSS_MAX, .n = 1360, .a = h,
		                                    .directed = true });
		CU_ASSERT_TRUE(v.pass);
		CU_ASSERT_STRING_EQUAL(v.where, "eth_ike.pcap#9");
		v = judge(t, (struct check_expect){ .kind = CHK_TCP_MSS_MAX, .n = 1360, .a = g,
		                                    .directed = true });
		CU_ASSERT_FALSE(v.pass);
		CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "0 SYNs with MSS"));
		CU_ASSERT_TRUE(judge(t, (struct check_expect){ .kind = CHK_TCP_MSS_MAX, .n = 1360,
		                                                .a = g }).pass);
	}
	trace_free(t);
}

static void test_check_no_proposal(void)
{
	/* Real: strongSwan B refuses A's aes256-sha256-modp2048 in main mode. */
	struct cap_keys *k;
	struct trace *rt = from_files("fixtures/pcap/strongswan_npc.pcap", NULL, &k);
	struct check_verdict rv = judge(rt, (struct check_expect){
		.kind = CHK_NO_PROPOSAL_CHOSEN, .a = B, .b = A });
	CU_ASSERT_TRUE(rv.pass);
	CU_ASSERT_STRING_EQUAL(rv.where, "strongswan_npc.pcap#2");
	rv = judge(rt, (struct check_expect){ .kind = CHK_IKE_PROPOSAL, .a = A, .b = B,
	                                      .proposal = "IKE:AES_CBC_256/HMAC_SHA2_256_128/"
	                                                  "PRF_HMAC_SHA2_256/MODP_2048" });
	CU_ASSERT_FALSE(rv.pass);
	CU_ASSERT_STRING_EQUAL(rv.observed, "no IKE proposal selected between 10.10.0.1 <-> "
	                       "10.10.0.2");
	trace_free(rt);

	struct trace *t = fresh(NULL);
	struct isakmp_builder b;

	isakmp_build_init(&b);
	put_sa(&b, false, 0);
	feed_isakmp(t, SEC, A, B, 0x11, 0, ISAKMP_XCHG_IDPROT, 0, 0, &b);
	notify(t, SEC + 1000, B, A, 0x11, ISAKMP_N_NO_PROPOSAL_CHOSEN, 0);
	struct check_verdict v = judge(t, (struct check_expect){ .kind = CHK_NO_PROPOSAL_CHOSEN,
	                                                        .a = B });
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#2");
	/* From the other side: not seen. */
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_NO_PROPOSAL_CHOSEN,
	                                                 .a = A }).pass);
	/* And no tunnel came up. */
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_TUNNEL_UP_WITHIN,
	                                                 .within = 10 * SEC }).pass);
	trace_free(t);
}

static void test_check_reauth(void)
{
	struct trace *t = fresh(NULL);

	main_mode(t, 1 * SEC, A, B, 0x20);
	main_mode(t, 61 * SEC, A, B, 0x30);              /* reauthentication after 60 s */
	main_mode(t, 121 * SEC, B, A, 0x40);             /* and again, from the other side */
	struct check_expect e = { .kind = CHK_IKE_REAUTH_EVERY, .a = A, .b = B,
	                          .interval = 60 * SEC, .tolerance = SEC };
	struct check_verdict v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#8,12");
	e.interval = 30 * SEC;
	CU_ASSERT_FALSE(judge(t, e).pass);
	trace_free(t);
}

static void test_check_dpd_timeout(void)
{
	for (int restart = 0; restart < 2; restart++) {
		struct trace *t = fresh(NULL);
		main_mode(t, 0, A, B, 0x50);
		notify(t, 10 * SEC, A, B, 0x50, ISAKMP_N_R_U_THERE, 1);
		notify(t, 10 * SEC + 100, B, A, 0x50, ISAKMP_N_R_U_THERE_ACK, 1);
		notify(t, 20 * SEC, A, B, 0x50, ISAKMP_N_R_U_THERE, 2);  /* B is gone */
		notify(t, 25 * SEC, A, B, 0x50, ISAKMP_N_R_U_THERE, 3);
		if (restart) {
			struct isakmp_builder b;
			isakmp_build_init(&b);
			put_sa(&b, false, 0);
			feed_isakmp(t, 30 * SEC, A, B, 0x60, 0, ISAKMP_XCHG_IDPROT, 0, 0, &b);
		} else {
			struct isakmp_builder b;
			uint8_t spi[16];
			memset(spi, 0x50, 8);
			memset(spi + 8, 0x51, 8);
			isakmp_build_init(&b);
			isakmp_put_delete(&b, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
			feed_isakmp(t, 30 * SEC, A, B, 0x50, 0x51, ISAKMP_XCHG_INFO, 99, 0, &b);
		}
		struct check_expect e = { .kind = CHK_DPD_TIMEOUT, .a = A };
		snprintf(e.action, sizeof e.action, "restart");
		struct check_verdict v = judge(t, e);
		CU_ASSERT_EQUAL(v.pass, restart);
		CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "2 R-U-THERE unanswered (seq 2..3)"));
		CU_ASSERT_STRING_EQUAL(v.where, restart ? "?#7,8,9" : "?#7,8");
		snprintf(e.action, sizeof e.action, "clear");
		CU_ASSERT_EQUAL(judge(t, e).pass, !restart);
		/* Within a window after the first unanswered one (20 s): the new main mode at 30 s
		 * is a restart within 15 s; within 5 s that side did nothing (cleared, on hold). */
		e.within = 15 * SEC;
		snprintf(e.action, sizeof e.action, "restart");
		CU_ASSERT_EQUAL(judge(t, e).pass, restart);
		e.within = 5 * SEC;
		v = judge(t, e);
		CU_ASSERT_FALSE(v.pass);
		CU_ASSERT_PTR_NOT_NULL(strstr(v.expected, "then within 5.000 s a new main mode"));
		snprintf(e.action, sizeof e.action, "clear");
		CU_ASSERT_TRUE(judge(t, e).pass);
		/* DPD every 10 s: 10 then 5 s: out of tolerance. */
		CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_DPD_EVERY, .a = A,
		                                                 .interval = 10 * SEC,
		                                                 .tolerance = SEC }).pass);
		trace_free(t);
	}
}

/* An ICMP echo request in the clear (the LAN side of a gateway), id / seq. */
static void plain_echo(struct trace *t, int64_t ts, struct ip_addr s, struct ip_addr d,
                       uint16_t id, uint16_t seq)
{
	uint8_t icmp[64], data[16] = { 0 };
	int n = icmp_echo_build(4, false, id, seq, data, sizeof data, &s, &d, icmp, sizeof icmp);

	CU_ASSERT_FATAL(n > 0);
	feed_ip(t, ts, s, d, 1, icmp, (size_t)n);
}

/*
 * dpd_timeout with action hold: after the unanswered probes nothing from A until a packet of
 * the flow I1 -> I2 in the clear, then A's new main mode at once. Traces: that (holds);
 * a main mode by itself before the packet (restart); the packet and no main mode (clear);
 * the main mode 3 s after the packet (an operator, not a trap); an ISAKMP delete first; the
 * packet of another flow.
 */
static void test_check_dpd_hold(void)
{
	enum { HOLD, SELF, NOTHING, LATE, DELETE, OTHER_FLOW, NCASES };

	for (int c = 0; c < NCASES; c++) {
		struct trace *t = fresh(NULL);
		struct isakmp_builder b;

		main_mode(t, 0, A, B, 0x50);
		notify(t, 10 * SEC, A, B, 0x50, ISAKMP_N_R_U_THERE, 1);
		notify(t, 10 * SEC + 100, B, A, 0x50, ISAKMP_N_R_U_THERE_ACK, 1);
		plain_echo(t, 15 * SEC, I1, I2, 7, 1);  /* before the cut: another ping */
		notify(t, 20 * SEC, A, B, 0x50, ISAKMP_N_R_U_THERE, 2);  /* B is gone */
		notify(t, 25 * SEC, A, B, 0x50, ISAKMP_N_R_U_THERE, 3);
		if (c == SELF) {
			isakmp_build_init(&b);
			put_sa(&b, false, 0);
			feed_isakmp(t, 30 * SEC, A, B, 0x58, 0, ISAKMP_XCHG_IDPROT, 0, 0, &b);
		}
		if (c == DELETE) {
			uint8_t spi[16];
			memset(spi, 0x50, 8);
			memset(spi + 8, 0x51, 8);
			isakmp_build_init(&b);
			isakmp_put_delete(&b, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
			feed_isakmp(t, 30 * SEC, A, B, 0x50, 0x51, ISAKMP_XCHG_INFO, 99, 0, &b);
		}
		struct ip_addr dst = c == OTHER_FLOW ? C : I2;
		plain_echo(t, 200 * SEC, I1, dst, 9, 1);
		plain_echo(t, 201 * SEC, I1, dst, 9, 2);  /* the same flow: not a new event */
		if (c != NOTHING) {
			isakmp_build_init(&b);
			put_sa(&b, false, 0);
			feed_isakmp(t, (c == LATE ? 203 : 200) * SEC + 1000, A, B, 0x60, 0,
			            ISAKMP_XCHG_IDPROT, 0, 0, &b);
		}
		struct check_expect e = { .kind = CHK_DPD_TIMEOUT, .a = A, .fa = I1, .fb = I2 };
		snprintf(e.action, sizeof e.action, "hold");
		struct check_verdict v = judge(t, e);
		CU_ASSERT_EQUAL(v.pass, c == HOLD);
		CU_ASSERT_PTR_NOT_NULL(strstr(v.expected, "until a packet of 172.16.1.1 -> 172.16.2.1 "
		                              "in the clear"));
		CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "2 R-U-THERE unanswered (seq 2..3)"));
		switch (c) {
		case HOLD:
			CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "nothing until a packet of 172.16.1.1 "
			                              "-> 172.16.2.1 180.000 s later, a new main mode "
			                              "0.000 s after it"));
			/* probes 2 and 3, the trapped echo, the new MM1 */
			CU_ASSERT_STRING_EQUAL(v.where, "?#8,9,10,12");
			break;
		case SELF:
			CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "a new main mode by itself 10.000 s "
			                              "after the first unanswered one"));
			break;
		case NOTHING:
			CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "but no new main mode after it"));
			e.fb = C;               /* no packet of that flow at all */
			CU_ASSERT_PTR_NOT_NULL(strstr(judge(t, e).observed, "no packet of 172.16.1.1 "
			                              "-> 10.10.0.3 in the clear"));
			e.fb = I2;
			break;
		case LATE:
			CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "a new main mode 3.000 s after it"));
			break;
		case DELETE:
			CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "an ISAKMP delete 10.000 s after"));
			break;
		case OTHER_FLOW:
			/* the main mode follows a packet of another flow: by itself, for this one */
			CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "a new main mode by itself 180.000 s "
			                              "after the first unanswered one, before any "
			                              "packet of 172.16.1.1 -> 172.16.2.1"));
			break;
		}
		/* a window that ends before the packet: nothing to judge hold by */
		e.within = 60 * SEC;
		CU_ASSERT_FALSE(judge(t, e).pass);
		/* the clear-side flows: one event per flow, not per packet */
		size_t n, plain = 0;
		const struct trace_ev *ev = trace_events(t, &n);
		for (size_t i = 0; i < n; i++)
			plain += ev[i].kind == TR_PLAIN_FLOW;
		CU_ASSERT_EQUAL(plain, 2);
		trace_free(t);
	}
}

/*
 * responder_lifetime: B, the responder, announces 3600 s for the ISAKMP SA (an
 * informational after main mode) and 600 s for the CHILD_SA (in QM2). A real strongSwan
 * capture has none (charon never sends it).
 */
static void test_check_responder_lifetime(void)
{
	/* life type seconds (TV), life duration as a 4-byte TLV / a TV (RFC 2407 4.6.3.1): for
	 * the ISAKMP SA with the phase-1 numbers 11/12, for the CHILD_SA the IPsec ones 1/2 */
	static const uint8_t p1[] = { 0x80, 11, 0, 1, 0, 12, 0, 4, 0, 0, 0x0e, 0x10 };
	static const uint8_t p1_ipsec_numbers[] = { 0x80, 1, 0, 1, 0, 2, 0, 4, 0, 0, 0x0e, 0x10 };
	static const uint8_t p2[] = { 0x80, 1, 0, 1, 0x80, 2, 0x02, 0x58 };
	struct trace *t = fresh(NULL);
	struct isakmp_builder b;
	uint8_t ck[16], spi[4] = { 0xc0, 0, 0, 2 }, hash[20] = { 0 };
	struct check_verdict v;

	main_mode(t, 0, A, B, 0x70);
	memset(ck, 0x70, 8);
	memset(ck + 8, 0x71, 8);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, ck, 16, ISAKMP_N_RESPONDER_LIFETIME, p1,
	                  sizeof p1);
	feed_isakmp(t, SEC, B, A, 0x70, 0x71, ISAKMP_XCHG_INFO, 11, 0, &b);
	isakmp_build_init(&b);
	put_sa(&b, true, 0xc0000001);
	put_id(&b, 1);
	put_id(&b, 2);
	feed_isakmp(t, 2 * SEC, A, B, 0x70, 0x71, ISAKMP_XCHG_QUICK, 12, 0, &b);
	isakmp_build_init(&b);
	put_sa(&b, true, 0xc0000002);
	put_id(&b, 1);
	put_id(&b, 2);
	isakmp_put_notify(&b, ISAKMP_PROTO_ESP, spi, 4, ISAKMP_N_RESPONDER_LIFETIME, p2, sizeof p2);
	feed_isakmp(t, 2 * SEC + 1000, B, A, 0x70, 0x71, ISAKMP_XCHG_QUICK, 12, 0, &b);
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_HASH, hash, sizeof hash);
	feed_isakmp(t, 2 * SEC + 2000, A, B, 0x70, 0x71, ISAKMP_XCHG_QUICK, 12, 0, &b);

	struct check_expect e = { .kind = CHK_RESPONDER_LIFETIME, .a = B, .b = A, .phase = 2,
	                          .n = 600 };
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#7");
	CU_ASSERT_STRING_EQUAL(v.expected, "RESPONDER-LIFETIME notify 10.10.0.2 -> 10.10.0.1 of "
	                       "600 s for the CHILD_SA (phase 2)");
	CU_ASSERT_STRING_EQUAL(v.observed, "3600 s for the ISAKMP SA in an informational; 600 s "
	                       "for the CHILD_SA in quick mode: 2 notifies, 1 as expected");
	e.phase = 1;
	CU_ASSERT_FALSE(judge(t, e).pass);                   /* 600 s is phase 2's */
	e.n = 3600;
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#5");
	e.phase = 2;
	CU_ASSERT_FALSE(judge(t, e).pass);
	e.phase = 0;
	e.n = 0;
	CU_ASSERT_TRUE(judge(t, e).pass);                    /* any */
	e.n = 1800;
	CU_ASSERT_FALSE(judge(t, e).pass);
	e = (struct check_expect){ .kind = CHK_RESPONDER_LIFETIME, .a = A };
	v = judge(t, e);                                     /* the initiator sent none */
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.observed, "no RESPONDER-LIFETIME notify 10.10.0.1 -> any (none "
	                       "sent, or the messages carrying it not decrypted)");
	/* phase-2 attribute numbers for the ISAKMP SA: no seconds read (tshark would not either) */
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, ck, 16, ISAKMP_N_RESPONDER_LIFETIME,
	                  p1_ipsec_numbers, sizeof p1_ipsec_numbers);
	feed_isakmp(t, 3 * SEC, B, A, 0x70, 0x71, ISAKMP_XCHG_INFO, 13, 0, &b);
	e = (struct check_expect){ .kind = CHK_RESPONDER_LIFETIME, .a = B, .phase = 1 };
	v = judge(t, e);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "; 0 s for the ISAKMP SA in an informational: "
	                              "3 notifies"));
	trace_free(t);

	struct cap_keys *k;
	t = from_files("fixtures/pcap/strongswan_ikev1.pcap", "fixtures/pcap/strongswan_ikev1.keys",
	               &k);
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_RESPONDER_LIFETIME }).pass);
	trace_free(t);
	cap_keys_free(k);
}

static void test_check_esp_restart_replay(void)
{
	struct trace *t = fresh(NULL);

	for (uint32_t s = 1; s <= 5; s++) {
		esp_plain(t, s * SEC, A, B, 0x1000, s);
		esp_plain(t, s * SEC + 10, B, A, 0x2000, s);
	}
	esp_plain(t, 6 * SEC, A, B, 0x1000, 3);          /* replayed by someone on the link */
	esp_plain(t, 6 * SEC + 1, A, B, 0x1000, 4);
	esp_plain(t, 7 * SEC, A, B, 0x1000, 6);
	esp_plain(t, 7 * SEC + 10, B, A, 0x2000, 6);
	struct check_verdict v = judge(t, (struct check_expect){ .kind = CHK_REPLAY_DROPPED });
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#11,12");
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "8 packets one way (2 replayed), 6 the other"));
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_ESP_SEQ_RESTART }).pass);
	/* The replays answered: the reverse SA carries one more packet each. */
	esp_plain(t, 8 * SEC, B, A, 0x2000, 7);
	esp_plain(t, 8 * SEC + 1, B, A, 0x2000, 8);
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_REPLAY_DROPPED }).pass);
	/* A fail-over: B's side starts again at 1 on the same SPI. */
	esp_plain(t, 9 * SEC, B, A, 0x2000, 1);
	v = judge(t, (struct check_expect){ .kind = CHK_ESP_SEQ_RESTART, .a = B });
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#17");
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_ESP_SEQ_RESTART, .a = A }).pass);
	trace_free(t);
}

static void test_check_rekey_loss(void)
{
	for (int lose = 0; lose < 2; lose++) {
		struct cap_keys *k = wild_keys();
		struct trace *t = fresh(k);
		uint8_t in[128];
		size_t n;

		main_mode(t, 0, A, B, 0x70);
		quick_mode(t, SEC, A, B, 0x70, 1, 0xa1, 0xb1);
		for (uint16_t s = 1; s <= 3; s++) {
			n = inner_echo(in, I1, I2, 77, s, false);
			esp_inner(t, (1 + s) * SEC, A, B, 0xb1, s, in, n);
		}
		quick_mode(t, 5 * SEC, A, B, 0x70, 2, 0xa2, 0xb2);       /* the rekey */
		for (uint16_t s = 4; s <= 6; s++) {
			if (lose && s == 4)
				continue;                    /* lost while moving to the new SA */
			n = inner_echo(in, I1, I2, 77, s, false);
			esp_inner(t, (2 + s) * SEC, A, B, 0xb2, (uint32_t)(s - 3), in, n);
		}
		struct check_verdict v = judge(t, (struct check_expect){
			.kind = CHK_NO_LOSS_ACROSS_REKEY });
		CU_ASSERT_EQUAL(v.pass, !lose);
		CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "1 rekeys, 1 inner flows across them"));
		CU_ASSERT_STRING_EQUAL(v.where, lose ? "?#13,14" : "?#13");
		/* The same rekey, judged as a period (4 s after the first quick mode). */
		CU_ASSERT_TRUE(judge(t, (struct check_expect){ .kind = CHK_CHILD_REKEY_EVERY,
		                                                .interval = 4 * SEC,
		                                                .tolerance = SEC / 100 }).pass);
		trace_free(t);
		cap_keys_free(k);
	}
}

static void test_check_rekey_by_responder(void)
{
	/* B, the IKE SA's responder, starts the rekey: the roles of quick mode are B's. */
	struct cap_keys *k = wild_keys();
	struct trace *t = fresh(k);
	uint8_t in[128];
	size_t n, nf;

	main_mode(t, 0, A, B, 0x90);
	quick_mode(t, SEC, A, B, 0x90, 1, 0xa1, 0xb1);       /* A's inbound a1, B's b1 */
	n = inner_echo(in, I1, I2, 9, 1, false);
	esp_inner(t, 2 * SEC, A, B, 0xb1, 1, in, n);
	quick_mode(t, 10 * SEC, B, A, 0x90, 2, 0xb2, 0xa2);  /* B's inbound b2, A's a2 */
	n = inner_echo(in, I1, I2, 9, 2, false);
	esp_inner(t, 11 * SEC, A, B, 0xb2, 1, in, n);
	size_t ne;
	const struct trace_ev *ev = trace_events(t, &ne);
	const struct trace_ev *up = NULL, *first = NULL;
	for (size_t i = 0; i < ne; i++) {
		if (ev[i].kind == TR_CHILD_UP && ev[i].flag)
			up = &ev[i];
		if (ev[i].kind == TR_ESP_FIRST && ev[i].spi == 0xb2)
			first = &ev[i];
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(up);
	CU_ASSERT_EQUAL(up->spi, 0xb2);
	CU_ASSERT_EQUAL(up->old_spi, 0xb1);                  /* B's old inbound SPI */
	CU_ASSERT_EQUAL(up->spi2, 0xa2);
	CU_ASSERT_EQUAL(up->old_spi2, 0xa1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(first);
	CU_ASSERT_EQUAL(first->old_spi, 0xb1);               /* A -> B moved from b1 to b2 */
	CU_ASSERT_TRUE(judge(t, (struct check_expect){ .kind = CHK_CHILD_REKEY_EVERY,
	                                                .interval = 9 * SEC,
	                                                .tolerance = SEC / 100 }).pass);
	CU_ASSERT_TRUE(judge(t, (struct check_expect){ .kind = CHK_NO_LOSS_ACROSS_REKEY }).pass);
	trace_esp_flows(t, &nf);
	CU_ASSERT_EQUAL(nf, 2);
	trace_free(t);
	cap_keys_free(k);
}

static void test_check_hairpin_inner_frag(void)
{
	struct cap_keys *k = wild_keys();
	struct trace *t = fresh(k);
	uint8_t in[128];
	size_t n = inner_echo(in, I1, I2, 5, 1, false);

	/* Tunnel A->B carries it; B forwards it back out into tunnel B->C: a hairpin. */
	esp_inner(t, SEC, A, B, 0x100, 1, in, n);
	in[8]--;                                         /* B decrements the TTL */
	esp_inner(t, SEC + 10, B, C, 0x200, 1, in, n);
	struct check_verdict v = judge(t, (struct check_expect){ .kind = CHK_HAIRPIN_REFUSED });
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#2");
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "1 packets re-encrypted"));
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_INNER_FRAGMENTS }).pass);
	/* An inner fragment (MF set) inside the tunnel. */
	n = inner_echo(in, I1, I2, 5, 2, true);
	esp_inner(t, 2 * SEC, A, B, 0x100, 2, in, n);
	v = judge(t, (struct check_expect){ .kind = CHK_INNER_FRAGMENTS, .a = I1 });
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#3");
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_OUTER_FRAGMENTS }).pass);
	trace_free(t);
	cap_keys_free(k);
}

/* Not a check: the trace's reading of RESPONDER-LIFETIME and of a broken payload chain. */
static void test_trace_lifetime_and_malformed(void)
{
	struct trace *t = fresh(NULL);
	struct isakmp_builder b;
	/* life type seconds (TV), life duration 3600 as a 4-byte TLV (RFC 2407 4.6.3.1) */
	static const uint8_t attrs[] = { 0x80, 1, 0, 1, 0, 2, 0, 4, 0, 0, 0x0e, 0x10 };
	uint8_t spi[4] = { 0xca, 0xfe, 0, 1 };
	size_t n;

	main_mode(t, 0, A, B, 0x80);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ESP, spi, 4, ISAKMP_N_RESPONDER_LIFETIME, attrs,
	                  sizeof attrs);
	feed_isakmp(t, SEC, B, A, 0x80, 0x81, ISAKMP_XCHG_INFO, 5, 0, &b);
	/* A chain whose first payload claims more bytes than the message has. */
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_VID, "abcd", 4);
	b.buf[3] = 200;
	feed_isakmp(t, 2 * SEC, A, B, 0x80, 0x81, ISAKMP_XCHG_INFO, 6, 0, &b);
	const struct trace_ev *ev = trace_events(t, &n);
	bool life = false, bad = false;
	for (size_t i = 0; i < n; i++) {
		if (ev[i].kind == TR_NOTIFY && ev[i].notify == ISAKMP_N_RESPONDER_LIFETIME) {
			life = true;
			CU_ASSERT_EQUAL(ev[i].value, 3600);
			CU_ASSERT_EQUAL(ev[i].spi, 0xcafe0001);
			CU_ASSERT_STRING_EQUAL(ev[i].text, "RESPONDER_LIFETIME 3600 s");
		}
		if (ev[i].kind == TR_MALFORMED) {
			bad = true;
			CU_ASSERT_EQUAL(ev[i].frame, 6);
			/* the length field of the first payload, 2 bytes after the header */
			CU_ASSERT_PTR_NOT_NULL(strstr(ev[i].text, "payloads at offset 30 of the message"));
		}
	}
	CU_ASSERT_TRUE(life);
	CU_ASSERT_TRUE(bad);
	trace_free(t);
}

/* An inner ICMP echo reply from s to d. */
static size_t inner_reply(uint8_t *out, struct ip_addr s, struct ip_addr d, uint16_t id,
                          uint16_t seq)
{
	uint8_t icmp[64], data[32] = { 0 };
	int n = icmp_echo_build(4, true, id, seq, data, sizeof data, &s, &d, icmp, sizeof icmp);
	struct ipv4_hdr h = { .total_len = (uint16_t)(20 + n), .ttl = 63, .proto = 1, .src = s,
	                      .dst = d, .id = seq };

	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(ipv4_build(&h, out, 128), 20);
	memcpy(out + 20, icmp, (size_t)n);
	return 20 + (size_t)n;
}

/*
 * The K5 fail-over: A's side restarts its ESP sequence numbers at 1 on the same SPI, so 2
 * and 3 are used a second time (replays). Judged from the inner pings, not from counts: B's
 * own one-way traffic back does not matter; an echo reply to a replayed request does.
 */
static void test_check_replay_after_restart(void)
{
	for (int answer = 0; answer < 2; answer++) {
		struct cap_keys *k = wild_keys();
		struct trace *t = fresh(k);
		uint8_t in[128];
		size_t n;
		uint32_t rseq = 1;

		for (uint16_t s = 1; s <= 5; s++) {
			n = inner_echo(in, I1, I2, 40, s, false);
			esp_inner(t, s * SEC, A, B, 0x1000, s, in, n);
			n = inner_reply(in, I2, I1, 40, s);
			esp_inner(t, s * SEC + 10, B, A, 0x2000, rseq++, in, n);
		}
		for (uint16_t s = 1; s <= 4; s++) {         /* B's own pings: one-way traffic */
			n = inner_echo(in, I2, I1, 50, s, false);
			esp_inner(t, 6 * SEC + s, B, A, 0x2000, rseq++, in, n);
		}
		for (uint16_t s = 1; s <= 3; s++) {         /* the fail-over: seq 1, 2, 3 again */
			n = inner_echo(in, I1, I2, 41, s, false);
			esp_inner(t, (10 + s) * SEC, A, B, 0x1000, s, in, n);
			if (answer) {                       /* a receiver without anti-replay */
				n = inner_reply(in, I2, I1, 41, s);
				esp_inner(t, (10 + s) * SEC + 10, B, A, 0x2000, rseq++, in, n);
			}
		}
		struct check_verdict v = judge(t, (struct check_expect){ .kind = CHK_REPLAY_DROPPED,
		                                                          .a = A });
		CU_ASSERT_EQUAL(v.pass, !answer);
		CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, answer ?
		                              "2 replays, 2 of them ICMP echo requests, 2 answered" :
		                              "2 replays, 2 of them ICMP echo requests, 0 answered"));
		CU_ASSERT_STRING_EQUAL(v.where, answer ? "?#17,20,19,20" : "?#16,17");
		CU_ASSERT_TRUE(judge(t, (struct check_expect){ .kind = CHK_ESP_SEQ_RESTART,
		                                                .a = A }).pass);
		CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_REPLAY_DROPPED,
		                                                 .a = B }).pass);
		trace_free(t);
		cap_keys_free(k);
	}
}

/* An inner IPv4 UDP datagram as vpnlab's udp probe sends it: tag, number, count. */
static size_t inner_probe(uint8_t *out, struct ip_addr s, struct ip_addr d, uint32_t tag,
                          uint32_t num, uint32_t count)
{
	uint8_t udp[8 + 32] = { 0xc3, 0x50, 0x13, 0x89, 0, sizeof udp, 0, 0 };   /* 50000 -> 5001 */
	uint32_t w[3] = { tag, num, count };
	struct ipv4_hdr h = { .total_len = (uint16_t)(20 + sizeof udp), .ttl = 63, .proto = 17,
	                      .src = s, .dst = d, .id = (uint16_t)num };

	for (int i = 0; i < 3; i++)
		for (int b = 0; b < 4; b++)
			udp[8 + 4 * i + b] = (uint8_t)(w[i] >> (24 - 8 * b));
	CU_ASSERT_EQUAL_FATAL(ipv4_build(&h, out, 128), 20);
	memcpy(out + 20, udp, sizeof udp);
	return 20 + sizeof udp;
}

/*
 * no_loss with a flow: the udp probe's own numbers across a rekey. Another flow's loss (an
 * ICMP echo gap the other way) does not count against it; its own gap and its missing last
 * datagram do.
 */
static void test_check_no_loss_flow(void)
{
	for (int lose = 0; lose < 3; lose++) {         /* none, datagram 3, the last one */
		struct cap_keys *k = wild_keys();
		struct trace *t = fresh(k);
		uint8_t in[128];
		size_t n;
		uint32_t seq = 1;

		main_mode(t, 0, A, B, 0x60);
		quick_mode(t, SEC, A, B, 0x60, 1, 0xa1, 0xb1);
		for (uint32_t d = 0; d < 6; d++) {
			if (d == 3)
				quick_mode(t, 5 * SEC, A, B, 0x60, 2, 0xa2, 0xb2);   /* the rekey */
			if ((lose == 1 && d == 3) || (lose == 2 && d == 5))
				continue;
			n = inner_probe(in, I1, I2, 0xfeed, d, 6);
			esp_inner(t, (2 + d) * SEC, A, B, d < 3 ? 0xb1 : 0xb2, d < 3 ? d + 1 : seq++,
			          in, n);
		}
		n = inner_echo(in, I2, I1, 9, 1, false);                  /* B's pings: one lost */
		esp_inner(t, 10 * SEC, B, A, 0xa2, 1, in, n);
		n = inner_echo(in, I2, I1, 9, 3, false);
		esp_inner(t, 11 * SEC, B, A, 0xa2, 2, in, n);

		struct check_verdict v = judge(t, (struct check_expect){
			.kind = CHK_NO_LOSS_ACROSS_REKEY, .a = I1, .b = I2 });
		CU_ASSERT_EQUAL(v.pass, lose == 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, lose == 0 ?
		                              "the flow crossed 1 (per capture), 0 sequence gaps, 0 "
		                              "datagrams missing at the end" : lose == 1 ?
		                              "1 sequence gaps, 0 datagrams missing" :
		                              "0 sequence gaps, 1 datagrams missing at the end"));
		/* Without the flow, B's lost echo fails it. */
		CU_ASSERT_FALSE(judge(t, (struct check_expect){
			.kind = CHK_NO_LOSS_ACROSS_REKEY }).pass);
		/* The flow the other way does not cross the rekey. */
		v = judge(t, (struct check_expect){ .kind = CHK_NO_LOSS_ACROSS_REKEY, .a = I2,
		                                    .b = I1 });
		CU_ASSERT_FALSE(v.pass);
		CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "cannot judge"));
		trace_free(t);
		cap_keys_free(k);
	}
}

static void test_check_natt_float(void)
{
	struct cap_keys *k;
	struct trace *t = from_files("fixtures/pcap/strongswan_ikev1.pcap",
	                             "fixtures/pcap/strongswan_ikev1.keys", &k);
	struct check_verdict v;

	/* strongSwan floats at main mode 5 and libipsec sends its ESP in UDP 4500. */
	v = judge(t, (struct check_expect){ .kind = CHK_NATT_FLOAT, .a = A, .b = B });
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "strongswan_ikev1.pcap#5");
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "1 IKE SA floated to 4500; ESP: 4 SPIs in UDP "
	                                          "4500, 0 bare"));
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_NATT_FLOAT, .a = A,
	                                                 .b = C }).pass);
	trace_free(t);
	cap_keys_free(k);

	/* No float at all: the NO-PROPOSAL-CHOSEN capture never got past main mode 2. */
	t = from_files("fixtures/pcap/strongswan_npc.pcap", NULL, &k);
	v = judge(t, (struct check_expect){ .kind = CHK_NATT_FLOAT });
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "0 IKE SAs floated"));
	trace_free(t);

	/* Bare ESP between the same two: a NAT in the path would drop it. */
	t = fresh(NULL);
	esp_plain(t, SEC, A, B, 0x1000, 1);
	v = judge(t, (struct check_expect){ .kind = CHK_NATT_FLOAT, .a = A, .b = B });
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "1 bare (IP protocol 50), the first SPI 00001000"));
	CU_ASSERT_STRING_EQUAL(v.where, "?#1");
	trace_free(t);
}

/* A main mode whose MM5 is sent in the clear with ID, HASH and N(INITIAL_CONTACT), so a trace
 * without keys sees the notify (a real MM5 is encrypted and needs the key file). */
static void main_mode_ic(struct trace *t, int64_t ts, struct ip_addr i, struct ip_addr r,
                         uint8_t ic)
{
	struct isakmp_builder b;
	uint8_t id[8] = { ISAKMP_ID_IPV4_ADDR, 0, 0, 0 }, hash[20] = { 0 }, spi[16];

	memcpy(id + 4, i.a, 4);
	memset(spi, ic, 8);
	memset(spi + 8, ic + 1, 8);
	isakmp_build_init(&b);
	put_sa(&b, false, 0);
	feed_isakmp(t, ts, i, r, ic, 0, ISAKMP_XCHG_IDPROT, 0, 0, &b);
	feed_isakmp(t, ts + 1000, r, i, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_IDPROT, 0, 0, &b);
	isakmp_build_init(&b);
	isakmp_put_payload(&b, ISAKMP_PT_ID, id, sizeof id);
	isakmp_put_payload(&b, ISAKMP_PT_HASH, hash, sizeof hash);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, ISAKMP_N_INITIAL_CONTACT, NULL, 0);
	feed_isakmp(t, ts + 2000, i, r, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_IDPROT, 0, 0, &b);
	feed_isakmp(t, ts + 3000, r, i, ic, (uint8_t)(ic + 1), ISAKMP_XCHG_IDPROT, 0,
	            ISAKMP_FLAG_ENC, NULL);
}

/* The F220 of seeds/002 l.222-237: a first tunnel (0x20, with DPD), then a new main mode from
 * the same side with INITIAL-CONTACT (0x30), its quick mode, DPD on the new one only. */
static struct trace *ic_story(bool old_lives_on, bool quick_mode_after)
{
	struct trace *t = fresh(NULL);

	main_mode(t, 1 * SEC, A, B, 0x20);
	quick_mode(t, 2 * SEC, A, B, 0x20, 7, 0x1111, 0x2222);
	notify(t, 17 * SEC, A, B, 0x20, 36136, 1);
	notify(t, 17 * SEC + 1000, B, A, 0x20, 36137, 1);
	main_mode_ic(t, 30 * SEC, A, B, 0x30);
	if (quick_mode_after)
		quick_mode(t, 31 * SEC, A, B, 0x30, 9, 0x3333, 0x4444);
	notify(t, 45 * SEC, A, B, 0x30, 36136, 5);
	if (old_lives_on)
		notify(t, 46 * SEC, B, A, 0x20, 36136, 2);   /* the router still probes the old SA */
	return t;
}

static void test_check_initial_contact(void)
{
	struct check_expect e = { .kind = CHK_INITIAL_CONTACT, .a = A, .b = B };
	struct trace *t = ic_story(false, true);
	struct check_verdict v = judge(t, e);

	CU_ASSERT_TRUE(v.pass);
	/* the old SA up (MM6 #4), the notify (MM5 #12), the new SA up (#13), its QM3 (#16) */
	CU_ASSERT_STRING_EQUAL(v.where, "?#4,12,13,16");
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "1 main mode with INITIAL-CONTACT, 1 replacing"));
	/* with INITIAL-CONTACT the new IKE SA is no reauthentication, its CHILD_SA no rekey */
	v = judge(t, (struct check_expect){ .kind = CHK_IKE_REAUTH_EVERY, .a = A, .b = B,
	                                    .interval = 29 * SEC, .tolerance = 2 * SEC });
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.observed, "no reauthentications seen");
	CU_ASSERT_FALSE(judge(t, (struct check_expect){ .kind = CHK_CHILD_REKEY_EVERY, .a = A,
	                                                .b = B, .interval = 29 * SEC,
	                                                .tolerance = 2 * SEC }).pass);
	/* from the other side: none */
	e.a = B;
	e.b = A;
	fails_saying(t, e, "no INITIAL-CONTACT in a main mode");

	/* the old IKE SA goes on: a DPD under its cookies after the notify */
	e.a = A;
	e.b = B;
	t = ic_story(true, true);
	v = judge(t, e);
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, "the old SA lived on"));
	CU_ASSERT_STRING_EQUAL(v.where, "?#4,12,18");
	trace_free(t);

	/* no quick mode on the new IKE SA */
	t = ic_story(false, false);
	fails_saying(t, e, "no quick mode on the new IKE SA");

	/* a first contact: INITIAL-CONTACT with no earlier IKE SA */
	t = fresh(NULL);
	main_mode_ic(t, 1 * SEC, A, B, 0x30);
	quick_mode(t, 2 * SEC, A, B, 0x30, 9, 0x3333, 0x4444);
	fails_saying(t, e, "a first contact");

	/* an earlier IKE SA that was deleted before the new main mode does not count */
	t = fresh(NULL);
	main_mode(t, 1 * SEC, A, B, 0x20);
	{
		struct isakmp_builder b;
		uint8_t spi[16];

		memset(spi, 0x20, 8);
		memset(spi + 8, 0x21, 8);
		isakmp_build_init(&b);
		isakmp_put_delete(&b, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
		feed_isakmp(t, 5 * SEC, A, B, 0x20, 0x21, ISAKMP_XCHG_INFO, 77, 0, &b);
	}
	main_mode_ic(t, 30 * SEC, A, B, 0x30);
	quick_mode(t, 31 * SEC, A, B, 0x30, 9, 0x3333, 0x4444);
	CU_ASSERT_FALSE(judge(t, e).pass);
	trace_free(t);
}

/* after_refusal: only what follows the last NO-PROPOSAL-CHOSEN is judged (sakura-v2: the
 * version 1 tunnel and the refused old config come before); lifetime: every selection's. */
static void test_check_after_refusal_lifetime(void)
{
	struct trace *t = fresh(NULL);
	const char *ike = "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048";
	struct check_expect e = { .kind = CHK_DPD_EVERY, .a = A, .b = B, .interval = 15 * SEC,
	                          .tolerance = SEC };
	struct check_verdict v;

	main_mode(t, 1 * SEC, A, B, 0x20);
	notify(t, 5 * SEC, A, B, 0x20, 36136, 1);       /* irregular DPD before the refusal */
	notify(t, 40 * SEC, A, B, 0x20, 36136, 2);
	notify(t, 50 * SEC, B, A, 0x21, ISAKMP_N_NO_PROPOSAL_CHOSEN, 0);
	main_mode(t, 60 * SEC, A, B, 0x30);
	for (uint32_t i = 0; i < 4; i++)
		notify(t, (70 + 15 * (int64_t)i) * SEC, A, B, 0x30, 36136, 10 + i);
	CU_ASSERT_FALSE(judge(t, e).pass);              /* 35 s and 45 s intervals */
	e.after_refusal = true;
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.observed, ": 3 DPD intervals, 0 outside"));
	CU_ASSERT_PTR_NOT_NULL(strstr(v.expected, "(after the last NO-PROPOSAL-CHOSEN)"));
	/* proposals: both main modes select the same; the lifetime is not in put_sa's SA */
	e = (struct check_expect){ .kind = CHK_IKE_PROPOSAL, .a = A, .b = B, .after_refusal = true };
	snprintf(e.proposal, sizeof e.proposal, "%s", ike);
	v = judge(t, e);
	CU_ASSERT_TRUE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.where, "?#9");        /* MM2 of the second main mode only */
	e.lifetime = 28800 * SEC;
	fails_saying(t, e, "lifetime 0 s");

	/* nothing refused: after_refusal has no start */
	t = fresh(NULL);
	main_mode(t, 1 * SEC, A, B, 0x20);
	e.lifetime = 0;
	v = judge(t, e);
	CU_ASSERT_FALSE(v.pass);
	CU_ASSERT_STRING_EQUAL(v.observed, "no NO-PROPOSAL-CHOSEN to start after (after_refusal)");
	trace_free(t);
}

static void test_check_names(void)
{
	for (int i = 0; i < CHK_KIND_COUNT; i++)
		CU_ASSERT_EQUAL(check_kind_from_name(check_kind_name((enum check_kind)i)), i);
	CU_ASSERT_EQUAL(check_kind_from_name("nope"), -1);
}

UNIT_SUITE(check, UNIT_TEST(test_check_proposals_and_timeline),
           UNIT_TEST(test_check_icmp_frag_mss), UNIT_TEST(test_check_no_proposal),
           UNIT_TEST(test_check_reauth), UNIT_TEST(test_check_dpd_timeout),
           UNIT_TEST(test_check_dpd_hold), UNIT_TEST(test_check_responder_lifetime),
           UNIT_TEST(test_check_esp_restart_replay), UNIT_TEST(test_check_rekey_loss),
           UNIT_TEST(test_check_rekey_by_responder),
           UNIT_TEST(test_check_hairpin_inner_frag), UNIT_TEST(test_trace_lifetime_and_malformed),
           UNIT_TEST(test_check_replay_after_restart), UNIT_TEST(test_check_natt_float),
           UNIT_TEST(test_check_no_loss_flow), UNIT_TEST(test_check_initial_contact),
           UNIT_TEST(test_check_after_refusal_lifetime),
           UNIT_TEST(test_check_names))
