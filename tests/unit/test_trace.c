/*
 * The trace model on the real strongSwan capture (tests/fixtures/pcap/record-strongswan.sh):
 * what it must find, with the keys, without them, with a wrong key, with retransmissions and
 * with the same traffic captured at both link ends.
 */
#include "tests/unit/unit.h"
#include "captures/trace.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX "fixtures/pcap/strongswan_ikev1.pcap"
#define KEYS "fixtures/pcap/strongswan_ikev1.keys"

/* unit_fixture's buffer is static: keep a copy per path (two slots). */
static const char *fix(const char *rel, int slot)
{
	static char buf[2][512];
	snprintf(buf[slot], sizeof buf[slot], "%s", unit_fixture(rel));
	return buf[slot];
}

static struct trace *run(const char *const *paths, size_t n, const char *keydir,
                         struct cap_keys **kout)
{
	char msg[512];
	struct cap_keys *k = NULL;
	struct trace *t;

	if (keydir) {
		k = cap_keys_new();
		CU_ASSERT_EQUAL_FATAL(cap_keys_load(k, unit_fixture(keydir), msg, sizeof msg), 0);
	}
	t = trace_new(k);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL_FATAL(trace_read(t, paths, n, msg, sizeof msg), 0);
	*kout = k;
	return t;
}

static size_t count(const struct trace *t, enum trace_kind kind, const struct trace_ev **first)
{
	static const struct trace_ev none;   /* a failing test reads zeros, never NULL */
	size_t n, c = 0;
	const struct trace_ev *ev = trace_events(t, &n);

	if (first)
		*first = &none;
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == kind) {
			if (!c && first)
				*first = &ev[i];
			c++;
		}
	return c;
}

static const struct trace_ev *nth(const struct trace *t, enum trace_kind kind, size_t which)
{
	size_t n, c = 0;
	const struct trace_ev *ev = trace_events(t, &n);

	static const struct trace_ev none;
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == kind && c++ == which)
			return &ev[i];
	return &none;
}

static void test_trace_strongswan(void)
{
	const char *p[] = { fix(FIX, 0) };
	struct cap_keys *k;
	struct trace *t = run(p, 1, KEYS, &k);
	const struct trace_ev *e;
	size_t n;

	CU_ASSERT_EQUAL(trace_frames(t), 35);
	CU_ASSERT_EQUAL(count(t, TR_MALFORMED, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_IKE_UNDECRYPTED, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_IKE_MSG, NULL), 23);
	CU_ASSERT_EQUAL(count(t, TR_NATT_FLOAT, &e), 1);
	CU_ASSERT_EQUAL(e->frame, 5);
	CU_ASSERT_EQUAL(count(t, TR_SELECTED, &e), 3);
	CU_ASSERT_STRING_EQUAL(e->text, "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048");
	CU_ASSERT_EQUAL(e->frame, 2);
	CU_ASSERT_EQUAL(count(t, TR_IKE_UP, &e), 1);
	CU_ASSERT_EQUAL(e->frame, 6);
	CU_ASSERT_FALSE(e->flag);
	/* Main mode 5/6, both quick modes and every informational decrypted. */
	const struct trace_ev *ev = trace_events(t, &n);
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == TR_IKE_MSG && ev[i].frame >= 5)
			CU_ASSERT_TRUE(ev[i].decrypted);
	CU_ASSERT_EQUAL(count(t, TR_CHILD_UP, NULL), 2);
	e = nth(t, TR_CHILD_UP, 0);
	CU_ASSERT_EQUAL(e->frame, 9);
	CU_ASSERT_EQUAL(e->frame2, 7);
	CU_ASSERT_EQUAL(e->spi, 0xd49b2241);
	CU_ASSERT_EQUAL(e->spi2, 0xefd5071a);
	CU_ASSERT_EQUAL(e->value, 28800);
	CU_ASSERT_FALSE(e->flag);
	e = nth(t, TR_CHILD_UP, 1);
	CU_ASSERT_EQUAL(e->frame, 26);
	CU_ASSERT_TRUE(e->flag);
	CU_ASSERT_EQUAL(e->old_spi, 0xd49b2241);
	CU_ASSERT_EQUAL(e->old_spi2, 0xefd5071a);
	CU_ASSERT_EQUAL(e->spi, 0x6e4bff53);
	CU_ASSERT_EQUAL(e->spi2, 0x3bef05d2);
	/* DPD: R-U-THERE and ACK both ways, twice, with sequence numbers that count up. */
	CU_ASSERT_EQUAL(count(t, TR_NOTIFY, NULL), 9);   /* + INITIAL-CONTACT */
	e = nth(t, TR_NOTIFY, 1);
	CU_ASSERT_EQUAL(e->notify, 36136);
	CU_ASSERT_EQUAL(e->frame, 16);
	CU_ASSERT_EQUAL(nth(t, TR_NOTIFY, 5)->value, e->value + 1);
	CU_ASSERT_EQUAL(count(t, TR_CHILD_DOWN, NULL), 2);
	CU_ASSERT_EQUAL(count(t, TR_IKE_DOWN, &e), 1);
	CU_ASSERT_EQUAL(e->frame, 35);
	/* The new SAs carry traffic, each direction moved from the old SPI. */
	CU_ASSERT_EQUAL(count(t, TR_ESP_FIRST, NULL), 4);
	e = nth(t, TR_ESP_FIRST, 2);
	CU_ASSERT_EQUAL(e->frame, 27);
	CU_ASSERT_EQUAL(e->spi, 0x3bef05d2);
	CU_ASSERT_EQUAL(e->old_spi, 0xefd5071a);
	const struct trace_esp *es = trace_esp_flows(t, &n);
	CU_ASSERT_EQUAL(n, 4);
	for (size_t i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(es[i].packets, 3);
		CU_ASSERT_EQUAL(es[i].decrypted, 3);
		CU_ASSERT_EQUAL(es[i].gaps + es[i].replays + es[i].bad, 0);
		CU_ASSERT_TRUE(es[i].udp);
	}
	const struct trace_inner *in = trace_inner_flows(t, &n);
	CU_ASSERT_EQUAL(n, 4);
	CU_ASSERT_EQUAL(in[0].proto, 1);
	CU_ASSERT_EQUAL(in[0].packets, 3);
	CU_ASSERT_EQUAL(in[0].last_seq, 3);
	trace_free(t);
	cap_keys_free(k);
}

static void test_trace_no_keys(void)
{
	const char *p[] = { fix(FIX, 0) };
	struct cap_keys *k;
	struct trace *t = run(p, 1, NULL, &k);
	const struct trace_ev *e;

	/* Without keys: the clear main mode, the float, and message counts still tell the story. */
	CU_ASSERT_EQUAL(count(t, TR_IKE_UNDECRYPTED, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_SELECTED, NULL), 1);
	CU_ASSERT_EQUAL(count(t, TR_IKE_UP, &e), 1);
	CU_ASSERT_EQUAL(e->frame, 6);
	CU_ASSERT_EQUAL(count(t, TR_CHILD_UP, &e), 2);
	CU_ASSERT_EQUAL(e->frame, 9);
	CU_ASSERT_EQUAL(count(t, TR_INNER_FLOW, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_ESP_FIRST, NULL), 4);
	trace_free(t);
}

static void test_trace_wrong_key(void)
{
	const char *p[] = { fix(FIX, 0) };
	struct cap_keys *k = cap_keys_new();
	char msg[256];
	const char *bad = "8dbebf5c726fe913,00000000000000000000000000000000\n"
	                  "\"IPv4\",\"*\",\"*\",\"*\",\"AES-CBC [RFC3602]\","
	                  "\"0x00000000000000000000000000000000\",\"HMAC-SHA-1-96 [RFC2404]\","
	                  "\"0x0000000000000000000000000000000000000000\"\n";
	const char *nl = strchr(bad, '\n') + 1;
	const struct trace_ev *e;

	CU_ASSERT_EQUAL(cap_keys_parse(k, CAP_KEYS_IKE, "k", bad, (size_t)(nl - bad), msg,
	                               sizeof msg), 0);
	CU_ASSERT_EQUAL(cap_keys_parse(k, CAP_KEYS_ESP, "k", nl, strlen(nl), msg, sizeof msg), 0);
	struct trace *t = trace_new(k);
	CU_ASSERT_EQUAL(trace_read(t, p, 1, msg, sizeof msg), 0);
	CU_ASSERT_EQUAL(count(t, TR_IKE_UNDECRYPTED, &e), 19);
	CU_ASSERT_EQUAL(e->frame, 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->text, "no well-formed payloads"));
	CU_ASSERT_EQUAL(count(t, TR_ESP_BAD, &e), 12);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->text, "SPI efd5071a seq 1"));
	trace_free(t);
	cap_keys_free(k);
}

/* A copy of the fixture with frames repeated right after themselves (retransmissions). */
static void write_with_repeats(const char *out, const int *rep, size_t nrep)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *in = pcap_open_offline(unit_fixture(FIX), err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(in);
	pcap_dumper_t *d = pcap_dump_open(in, out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	struct pcap_pkthdr *h;
	const u_char *data;
	int n = 0;

	while (pcap_next_ex(in, &h, &data) == 1) {
		n++;
		pcap_dump((u_char *)d, h, data);
		for (size_t i = 0; i < nrep; i++)
			if (rep[i] == n) {
				struct pcap_pkthdr h2 = *h;
				h2.ts.tv_usec += 1;
				pcap_dump((u_char *)d, &h2, data);
			}
	}
	pcap_dump_close(d);
	pcap_close(in);
}

static void test_trace_retransmissions(void)
{
	char path[] = "/tmp/vpnlab-trace-XXXXXX";
	int fd = mkstemp(path);
	static const int rep[] = { 5, 6, 7, 8, 16, 24 };
	struct cap_keys *k;
	size_t n, dups = 0;

	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	write_with_repeats(path, rep, 6);
	const char *p[] = { path };
	struct trace *t = run(p, 1, KEYS, &k);
	const struct trace_ev *ev = trace_events(t, &n);
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == TR_IKE_MSG) {
			CU_ASSERT_TRUE(ev[i].frame < 5 || ev[i].decrypted);
			dups += strstr(ev[i].text, "retransmission") != NULL;
		}
	CU_ASSERT_EQUAL(dups, 6);
	CU_ASSERT_EQUAL(count(t, TR_IKE_UNDECRYPTED, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_CHILD_UP, NULL), 2);
	CU_ASSERT_EQUAL(count(t, TR_IKE_UP, NULL), 1);
	trace_free(t);
	cap_keys_free(k);
	unlink(path);
}

static void test_trace_two_ends(void)
{
	/* The same traffic seen at both ends of a link: two files merged by timestamp. */
	const char *p[] = { fix(FIX, 0), fix(FIX, 1) };
	struct cap_keys *k;
	struct trace *t = run(p, 2, KEYS, &k);
	size_t n;

	CU_ASSERT_EQUAL(trace_frames(t), 70);
	CU_ASSERT_EQUAL(count(t, TR_IKE_UNDECRYPTED, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_CHILD_UP, NULL), 2);
	const struct trace_esp *es = trace_esp_flows(t, &n);
	CU_ASSERT_EQUAL(n, 8);          /* one summary per SPI per capture */
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(es[i].decrypted, 3);
	CU_ASSERT_EQUAL(count(t, TR_ESP_REPLAY, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_HAIRPIN, NULL), 0);
	CU_ASSERT_STRING_EQUAL(trace_file_name(t, 1), p[1]);
	trace_free(t);
	cap_keys_free(k);
}

static void test_trace_cut_file(void)
{
	const char *p[] = { fix("fixtures/pcap/eth_ike_cut.pcap", 0) };
	struct cap_keys *k;
	struct trace *t = run(p, 1, NULL, &k);
	const struct trace_ev *e;

	CU_ASSERT_EQUAL(count(t, TR_FILE_ERROR, &e), 1);
	CU_ASSERT_EQUAL(e->frame, 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(e->text, "byte offset"));
	trace_free(t);

	const char *missing[] = { "/nonexistent.pcap" };
	char msg[256];
	t = trace_new(NULL);
	CU_ASSERT_NOT_EQUAL(trace_read(t, missing, 1, msg, sizeof msg), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/nonexistent.pcap"));
	trace_free(t);
}

static void test_trace_aggressive(void)
{
	/* strongSwan aggressive mode, PSK, aes256-sha256-modp2048; its QM1 retransmitted (6). */
	const char *p[] = { fix("fixtures/pcap/strongswan_aggressive.pcap", 0) };
	struct cap_keys *k;
	struct trace *t = run(p, 1, "fixtures/pcap/strongswan_aggressive.keys", &k);
	const struct trace_ev *e;
	size_t n;

	CU_ASSERT_EQUAL(count(t, TR_IKE_UNDECRYPTED, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_MALFORMED, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_SELECTED, &e), 2);
	CU_ASSERT_STRING_EQUAL(e->text, "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/"
	                       "MODP_2048");
	CU_ASSERT_EQUAL(count(t, TR_IKE_UP, &e), 1);
	CU_ASSERT_EQUAL(e->frame, 3);                    /* AM3, encrypted, decrypted */
	CU_ASSERT_TRUE(e->decrypted);
	CU_ASSERT_EQUAL(e->exch, 4);
	const struct trace_ev *ev = trace_events(t, &n);
	int dups = 0;
	for (size_t i = 0; i < n; i++)
		if (ev[i].kind == TR_IKE_MSG && ev[i].frame >= 3) {
			CU_ASSERT_TRUE(ev[i].decrypted);
			if (strstr(ev[i].text, "retransmission")) {
				dups++;
				CU_ASSERT_EQUAL(ev[i].frame, 6);
			}
		}
	CU_ASSERT_EQUAL(dups, 1);
	CU_ASSERT_EQUAL(count(t, TR_CHILD_UP, &e), 1);
	CU_ASSERT_EQUAL(e->frame, 9);
	CU_ASSERT_EQUAL(e->frame2, 4);
	const struct trace_esp *es = trace_esp_flows(t, &n);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(es[0].decrypted + es[1].decrypted, 5);
	CU_ASSERT_EQUAL(count(t, TR_IKE_DOWN, NULL), 1);
	trace_free(t);
	cap_keys_free(k);
}

static void test_trace_no_proposal(void)
{
	const char *p[] = { fix("fixtures/pcap/strongswan_npc.pcap", 0) };
	struct cap_keys *k;
	struct trace *t = run(p, 1, NULL, &k);
	const struct trace_ev *e;

	CU_ASSERT_EQUAL(count(t, TR_PROPOSALS, &e), 1);
	CU_ASSERT_STRING_EQUAL(e->text, "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/"
	                       "MODP_2048");
	CU_ASSERT_EQUAL(count(t, TR_NOTIFY, &e), 1);
	CU_ASSERT_EQUAL(e->notify, 14);
	CU_ASSERT_EQUAL(e->frame, 2);
	CU_ASSERT_EQUAL(e->exch, 5);
	CU_ASSERT_EQUAL(count(t, TR_IKE_UP, NULL), 0);
	CU_ASSERT_EQUAL(count(t, TR_SELECTED, NULL), 0);
	trace_free(t);
}

UNIT_SUITE(trace, UNIT_TEST(test_trace_aggressive), UNIT_TEST(test_trace_no_proposal),
           UNIT_TEST(test_trace_strongswan), UNIT_TEST(test_trace_no_keys),
           UNIT_TEST(test_trace_wrong_key), UNIT_TEST(test_trace_retransmissions),
           UNIT_TEST(test_trace_two_ends), UNIT_TEST(test_trace_cut_file))
