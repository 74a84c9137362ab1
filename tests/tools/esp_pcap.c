/*
 * esp_pcap: write ESP packets made by peers/esp into a pcap, and the matching Wireshark esp_sa
 * lines, so tshark can confirm it decrypts them (tests/integration/esp_tshark.sh).
 *
 *   esp_pcap OUT.pcap OUT.esp_sa
 *
 * One outbound SA per cipher x integrity pair (SPI 0x10000000 + 16 * encr + integ), each carrying
 * an IPv4 ICMP echo of 84 bytes and an IPv6 ICMPv6 echo of 88 bytes; odd pairs in UDP/4500
 * (RFC 3948), even ones as IP protocol 50; then one NAT-keepalive. Raw IP link type.
 * Prints one line per ESP packet: "frame spi inner-proto".
 */
#include "peers/drbg.h"
#include "peers/esp/esp_keyfile.h"
#include "peers/esp/esp_natt.h"
#include "peers/esp/esp_sa.h"

#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static size_t icmp4_echo(uint8_t *p, uint16_t seq)
{
	memset(p, 0, 84);
	p[0] = 0x45;
	put16(p + 2, 84);
	put16(p + 4, seq);
	p[6] = 0x40;                    /* DF */
	p[8] = 64;
	p[9] = 1;
	memcpy(p + 12, "\x0a\x01\x00\x01\x0a\x02\x00\x01", 8);
	put16(p + 10, csum(p, 20, 0));
	p[20] = 8;
	put16(p + 24, 0x42);
	put16(p + 26, seq);
	for (int i = 0; i < 56; i++)
		p[28 + i] = (uint8_t)i;
	put16(p + 22, csum(p + 20, 64, 0));
	return 84;
}

static size_t icmp6_echo(uint8_t *p, uint16_t seq)
{
	uint32_t pseudo = 0;

	memset(p, 0, 88);
	p[0] = 0x60;
	put16(p + 4, 48);
	p[6] = 58;
	p[7] = 64;
	p[8] = 0xfd; p[23] = 1;
	p[24] = 0xfd; p[27] = 2; p[39] = 1;
	p[40] = 128;
	put16(p + 44, 0x42);
	put16(p + 46, seq);
	for (int i = 0; i < 40; i++)
		p[48 + i] = (uint8_t)i;
	for (int i = 8; i < 40; i += 2)
		pseudo += (uint32_t)p[i] << 8 | p[i + 1];
	pseudo += 48 + 58;
	put16(p + 42, csum(p + 40, 48, pseudo));
	return 88;
}

/* Outer IPv4 192.0.2.1 -> 192.0.2.2, protocol 50 or UDP 4500/4500 (checksum 0, RFC 3948). */
static size_t outer(uint8_t *frame, const uint8_t *payload, size_t len, int udp)
{
	size_t hl = 20 + (udp ? 8 : 0);

	memset(frame, 0, hl);
	frame[0] = 0x45;
	put16(frame + 2, (uint16_t)(hl + len));
	frame[6] = 0x40;
	frame[8] = 64;
	frame[9] = udp ? 17 : 50;
	memcpy(frame + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	put16(frame + 10, csum(frame, 20, 0));
	if (udp) {
		put16(frame + 20, ESP_NATT_PORT);
		put16(frame + 22, ESP_NATT_PORT);
		put16(frame + 24, (uint16_t)(8 + len));
	}
	memcpy(frame + hl, payload, len);
	return hl + len;
}

static void dump(pcap_dumper_t *d, const uint8_t *frame, size_t len, unsigned n)
{
	struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len };

	h.ts.tv_sec = 1700000000 + n;   /* fixed: same bytes every run */
	pcap_dump((u_char *)d, &h, frame);
}

int main(int argc, char **argv)
{
	static uint8_t km[128];
	uint8_t inner[128], esp[256], frame[320];
	struct in_addr src, dst;
	struct drbg rng;
	pcap_t *p;
	pcap_dumper_t *d;
	FILE *sa_file;
	unsigned frameno = 0;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: %s OUT.pcap OUT.esp_sa\n", argv[0]);
		return 2;
	}
	p = pcap_open_dead(DLT_RAW, 65535);
	d = p ? pcap_dump_open(p, argv[1]) : NULL;
	sa_file = fopen(argv[2], "w");
	if (!d || !sa_file) {
		fprintf(stderr, "esp_pcap: cannot open outputs\n");
		return 1;
	}
	inet_pton(AF_INET, "192.0.2.1", &src);
	inet_pton(AF_INET, "192.0.2.2", &dst);
	drbg_init(&rng, 2024);
	drbg_bytes(&rng, km, sizeof km);
	for (int e = 0; e < ESP_ENCR_COUNT; e++)
		for (int i = 0; i < ESP_INTEG_COUNT; i++) {
			uint32_t spi = 0x10000000u + 16u * (unsigned)e + (unsigned)i;
			struct esp_sa_config cfg = {
				.spi = spi, .dir = ESP_DIR_OUT, .encr = (enum esp_encr)e,
				.integ = (enum esp_integ)i, .keymat = km, .keymat_len = sizeof km,
				.udp_encap = (e + i) & 1,
			};
			struct esp_sa *sa = NULL;
			char line[512];

			if (esp_sa_new(&cfg, 0, &sa) < 0 ||
			    esp_keyfile_line(sa, AF_INET, &src, &dst, line, sizeof line) < 0)
				goto out;
			fputs(line, sa_file);
			for (int v = 0; v < 2; v++) {
				size_t il = v ? icmp6_echo(inner, (uint16_t)frameno) :
				                icmp4_echo(inner, (uint16_t)frameno);
				size_t el = 0;

				if (esp_sa_encrypt(sa, &rng, inner, il, esp, sizeof esp, &el) < 0) {
					esp_sa_free(sa);
					goto out;
				}
				dump(d, frame, outer(frame, esp, el, cfg.udp_encap), ++frameno);
				printf("%u 0x%08x %s\n", frameno, spi, v ? "icmpv6" : "icmp");
			}
			esp_sa_free(sa);
		}
	{
		uint8_t ka[1];
		size_t kl = esp_natt_keepalive(ka, sizeof ka);

		dump(d, frame, outer(frame, ka, kl, 1), ++frameno);
	}
	rc = 0;
out:
	pcap_dump_close(d);
	pcap_close(p);
	fclose(sa_file);
	if (rc)
		fprintf(stderr, "esp_pcap: building packets failed\n");
	return rc;
}
