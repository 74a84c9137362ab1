/*
 * trace_gen: write a large capture of IKE and ESP traffic for the inspect benchmark
 * (tests/bench/inspect.sh).
 *
 *   trace_gen TEMPLATE.pcap OUT.pcap MIB [TEMPLATE_IKE_KEYS OUT_IKE_KEYS]
 *
 * Tunnel after tunnel until OUT reaches MIB MiB: the ISAKMP frames of the real strongSwan
 * capture (TEMPLATE, Ethernet) with this tunnel's addresses (10.T1.T0.1 <-> 10.T1.T0.2) and
 * cookies: main mode and quick mode, then 2000 ESP packets both ways on two SPIs of its
 * own, UDP-encapsulated and plain ESP in turn, 64 to 1400 bytes of payload, sequence numbers
 * counting up, then the template's DPD, rekey and deletes. Frames are
 * 10 ms apart (100 packets/s per tunnel, one tunnel after the other). Deterministic.
 * With the template's ikev1_decryption_table, OUT_IKE_KEYS gets one line per tunnel: the
 * messages are the template's bytes, so its key decrypts every tunnel's exchanges.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TPL 64
#define ESP_PER_TUNNEL 2000
#define SETUP_FRAMES 9           /* main mode 1-6 and quick mode 1-3 come before the ESP */

struct tpl {
	uint8_t data[2048];
	uint32_t len;
};

static void ip_csum(uint8_t *ip)
{
	uint32_t s = 0;

	ip[10] = ip[11] = 0;
	for (int i = 0; i < 20; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	ip[10] = (uint8_t)(~s >> 8);
	ip[11] = (uint8_t)~s;
}

static void set_addrs(uint8_t *ip, uint32_t t, int from_a)
{
	uint8_t a[4] = { 10, (uint8_t)(t >> 8), (uint8_t)t, 1 }, b[4] = { 10, (uint8_t)(t >> 8),
	                                                                  (uint8_t)t, 2 };
	memcpy(ip + 12, from_a ? a : b, 4);
	memcpy(ip + 16, from_a ? b : a, 4);
	ip_csum(ip);
}

int main(int argc, char **argv)
{
	char err[PCAP_ERRBUF_SIZE];
	static struct tpl tpl[MAX_TPL];
	size_t ntpl = 0;
	struct pcap_pkthdr *h;
	const u_char *d;

	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: trace_gen TEMPLATE.pcap OUT.pcap MIB [TEMPLATE_IKE_KEYS "
		        "OUT_IKE_KEYS]\n");
		return 2;
	}
	char keyline[256] = "";
	FILE *keys = NULL;
	if (argc == 6) {
		FILE *k = fopen(argv[4], "r");
		if (!k || !fgets(keyline, sizeof keyline, k) || strlen(keyline) < 18 ||
		    keyline[16] != ',') {
			fprintf(stderr, "trace_gen: %s: want icookie,key\n", argv[4]);
			return 1;
		}
		fclose(k);
		keys = fopen(argv[5], "w");
		if (!keys) {
			perror(argv[5]);
			return 1;
		}
	}
	uint64_t target = strtoull(argv[3], NULL, 10) << 20, written = 24;
	pcap_t *in = pcap_open_offline(argv[1], err);
	if (!in) {
		fprintf(stderr, "trace_gen: %s\n", err);
		return 1;
	}
	/* Templates: the ISAKMP frames (UDP 500 / 4500 with the non-ESP marker). */
	while (pcap_next_ex(in, &h, &d) == 1 && ntpl < MAX_TPL) {
		if (h->caplen < 42 + 8 + 28 || h->caplen > sizeof tpl[0].data || d[23] != 17)
			continue;
		uint16_t dp = (uint16_t)(d[36] << 8 | d[37]);
		if (dp == 500 || (dp == 4500 && !memcmp(d + 42, "\0\0\0\0", 4))) {
			memcpy(tpl[ntpl].data, d, h->caplen);
			tpl[ntpl++].len = h->caplen;
		}
	}
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *out = pcap_dump_open(dead, argv[2]);
	if (!out) {
		fprintf(stderr, "trace_gen: %s\n", pcap_geterr(dead));
		return 1;
	}
	uint8_t a_ip[4] = { 10, 10, 0, 1 };
	struct pcap_pkthdr ph = { .ts = { 1796149346, 0 } };
	uint8_t pkt[1600];
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	static const uint16_t sizes[4] = { 64, 512, 1400, 200 };

	for (uint32_t t = 0; written < target; t++) {
		if (keys) {
			/* The template's cookie with this tunnel's first two bytes. */
			unsigned c0, c1;
			if (sscanf(keyline, "%2x%2x", &c0, &c1) != 2)
				return 1;
			fprintf(keys, "%02x%02x%s", c0 ^ ((t >> 8) & 0xff), c1 ^ (t & 0xff), keyline + 4);
		}
	    for (int part = 0; part < 2; part++) {
		size_t lo = part ? (SETUP_FRAMES < ntpl ? SETUP_FRAMES : ntpl) : 0;
		size_t hi = part ? ntpl : (SETUP_FRAMES < ntpl ? SETUP_FRAMES : ntpl);
		for (size_t i = lo; i < hi; i++) {
			memcpy(pkt, tpl[i].data, tpl[i].len);
			uint8_t *ip = pkt + 14;
			int from_a = !memcmp(ip + 12, a_ip, 4);
			size_t isk = 42 + (pkt[37] == 0x94 && pkt[36] == 0x11 ? 4 : 0);  /* 4500 */
			set_addrs(ip, t, from_a);
			pkt[40] = pkt[41] = 0;                 /* UDP checksum: none (IPv4) */
			pkt[isk] ^= (uint8_t)(t >> 8);         /* this tunnel's cookies */
			pkt[isk + 1] ^= (uint8_t)t;
			ph.caplen = ph.len = tpl[i].len;
			pcap_dump((u_char *)out, &ph, pkt);
			written += 16 + ph.caplen;
			ph.ts.tv_usec += 10000;
			if (ph.ts.tv_usec >= 1000000) {
				ph.ts.tv_sec++;
				ph.ts.tv_usec -= 1000000;
			}
		}
		for (uint32_t k = 0; k < ESP_PER_TUNNEL && !part; k++) {
			int from_a = k & 1, udp = (k >> 1) & 1;
			uint16_t plen = sizes[(k >> 2) & 3];
			size_t off = 14 + 20 + (udp ? 8 : 0);
			uint32_t spi = (from_a ? 0xc0000000u : 0xd0000000u) | t, seq = k / 2 + 1;
			size_t len = off + 8 + plen;

			memset(pkt, 0, 34);
			pkt[0] = 2; pkt[5] = (uint8_t)(from_a ? 2 : 1);
			pkt[6] = 2; pkt[11] = (uint8_t)(from_a ? 1 : 2);
			pkt[12] = 0x08;
			uint8_t *ip = pkt + 14;
			ip[0] = 0x45;
			ip[2] = (uint8_t)((len - 14) >> 8);
			ip[3] = (uint8_t)(len - 14);
			ip[6] = 0x40;                          /* DF */
			ip[8] = 64;
			ip[9] = udp ? 17 : 50;
			set_addrs(ip, t, from_a);
			if (udp) {
				uint8_t *u = pkt + 34;
				u[0] = u[2] = 0x11;
				u[1] = u[3] = 0x94;
				u[4] = (uint8_t)((8 + 8 + plen) >> 8);
				u[5] = (uint8_t)(8 + 8 + plen);
				u[6] = u[7] = 0;
			}
			for (int b = 0; b < 4; b++) {
				pkt[off + b] = (uint8_t)(spi >> (24 - 8 * b));
				pkt[off + 4 + b] = (uint8_t)(seq >> (24 - 8 * b));
			}
			for (size_t b = 0; b < plen; b += 8) {
				rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
				memcpy(pkt + off + 8 + b, &rng, plen - b < 8 ? plen - b : 8);
			}
			ph.caplen = ph.len = (uint32_t)len;
			pcap_dump((u_char *)out, &ph, pkt);
			written += 16 + len;
			ph.ts.tv_usec += 10000;
			if (ph.ts.tv_usec >= 1000000) {
				ph.ts.tv_sec++;
				ph.ts.tv_usec -= 1000000;
			}
		}
	    }
	}
	pcap_dump_close(out);
	if (keys)
		fclose(keys);
	pcap_close(dead);
	pcap_close(in);
	return 0;
}
