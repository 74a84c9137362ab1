/*
 * Fuzz the IP codec: the first byte picks the parser, the rest is its input. Every parsed
 * pointer and length is read back in full so a sanitizer sees any out-of-range slice; the
 * fragmentation and reassembly paths are driven from the same bytes.
 */
#include "tests/fuzz/fuzz.h"
#include "peers/ip/ip.h"

#include <stdlib.h>
#include <string.h>

static volatile uint8_t sink;

static void touch(const uint8_t *p, size_t len)
{
	uint8_t x = 0;

	for (size_t i = 0; i < len; i++)
		x ^= p[i];
	sink ^= x;
}

static void fuzz_reasm(const uint8_t *d, size_t n)
{
	struct ip_reasm_config c = { .max_datagrams = 4, .max_bytes = 8192, .max_frags = 16 };
	struct ip_reasm *r = ip_reasm_new(&c);
	struct ip_reasm_datagram done;
	size_t i = 0;
	uint64_t frame = 0;

	if (!r)
		return;
	/* Records: id(1) offset/8(2) len(1) flags(1) then len bytes of data. */
	while (n - i >= 5) {
		struct ip_frag_in f;

		memset(&f, 0, sizeof f);
		f.src = (struct ip_addr){ 4, { 10, 0, 0, 1 } };
		f.dst = (struct ip_addr){ 4, { 10, 0, 0, 2 } };
		f.id = d[i];
		f.offset = (uint32_t)((d[i + 1] << 8 | d[i + 2]) & 0x1fff) * 8;
		f.len = d[i + 3];
		f.mf = d[i + 4] & 1;
		f.now = (lab_ns)(d[i + 4] >> 1) * LAB_NS_PER_SEC;
		f.frame = ++frame;
		i += 5;
		if (f.len > n - i)
			f.len = n - i;
		f.data = d + i;
		i += f.len;
		if (ip_reasm_add(r, &f, &done) == 1)
			touch(done.data, done.len);
	}
	ip_reasm_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[1 << 17];
	struct ipv4_frag_slot slots[64];
	struct ipv4_hdr h4;
	struct ipv6_hdr h6;
	struct udp_hdr u;
	struct tcp_hdr t;
	struct icmp_msg m;
	struct ip_err e;
	const uint8_t *d = data + 1;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	switch (data[0] % 8) {
	case 0:
		if (ipv4_parse(d, n, &h4, &e) == 0) {
			touch(h4.opts, h4.opts_len);
			touch(h4.payload, h4.payload_len);
			if (ipv4_build(&h4, out, sizeof out) > 0)
				touch(out, h4.hlen);
		}
		break;
	case 1:
		if (ipv6_parse(d, n, &h6, &e) == 0)
			touch(h6.payload, h6.payload_len);
		break;
	case 2:
		if (udp_parse(d, n, &u, &e) == 0)
			touch(u.payload, u.payload_len);
		break;
	case 3:
		if (tcp_parse(d, n, &t, &e) == 0) {
			touch(t.opts, t.opts_len);
			touch(t.payload, t.payload_len);
		}
		break;
	case 4:
	case 5: {
		struct ip_addr s6 = { 6, { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } }, d6 = s6;

		d6.a[15] = 2;
		if (icmp_parse(data[0] % 8 == 4 ? 4 : 6, d, n, &s6, &d6, &m, &e) == 0)
			touch(m.data, m.data_len);
		break;
	}
	case 6: {
		int k = ipv4_fragment(d, n, 68 + (n % 1500), out, sizeof out, slots, 64);

		for (int i = 0; i < k; i++)
			if (ipv4_parse(out + slots[i].off, slots[i].len, &h4, NULL) != 0)
				abort();   /* every fragment written must parse */
		break;
	}
	case 7:
		fuzz_reasm(d, n);
		break;
	}
	return 0;
}

static uint8_t seed_store[8][160];
static struct fuzz_seed seeds[8];

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static const uint8_t ipv4_udp[] = {
		0x45, 0x00, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
		10, 0, 0, 1, 10, 0, 0, 2, 0x01, 0xf4, 0x01, 0xf4, 0x00, 0x10, 0, 0,
		1, 2, 3, 4, 5, 6, 7, 8,
	};
	static const uint8_t ipv4_opts[] = {
		0x47, 0x00, 0x00, 0x20, 0x12, 0x34, 0x20, 0x00, 0x40, 0x11, 0x00, 0x00,
		10, 0, 0, 1, 10, 0, 0, 2, 148, 4, 0, 0, 7, 3, 4, 0, 1, 2, 3, 4,
	};
	static const uint8_t tcp_syn[] = {
		0xc3, 0x50, 0x00, 0x50, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,
		0xa0, 0x02, 0xfa, 0xf0, 0x12, 0x34, 0x00, 0x00,
		0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 1, 2, 3, 0, 0, 0, 0,
		0x01, 0x03, 0x03, 0x07,
	};
	static const uint8_t icmp_fn[] = {
		3, 4, 0, 0, 0, 0, 0x05, 0xae,
		0x45, 0x00, 0x05, 0xdc, 0x42, 0x42, 0x40, 0x00, 0x3f, 0x11, 0, 0,
		192, 0, 2, 1, 198, 51, 100, 2, 0x11, 0x94, 0x11, 0x94, 0x05, 0xc8, 0, 0,
		0xc1, 0xa2, 0xb3, 0xd4, 0, 0, 0, 9,
	};
	size_t k = 0;

#define SEEDN(sel, p, nb)                                               \
	do {                                                            \
		seed_store[k][0] = (sel);                               \
		memcpy(seed_store[k] + 1, (p), (nb));                    \
		seeds[k].data = seed_store[k];                          \
		seeds[k].len = (nb) + 1;                                 \
		k++;                                                    \
	} while (0)
#define SEED(sel, arr) SEEDN(sel, arr, sizeof(arr))
	SEED(0, ipv4_udp);
	SEED(0, ipv4_opts);
	SEEDN(2, ipv4_udp + 20, sizeof ipv4_udp - 20);
	SEED(3, tcp_syn);
	SEED(4, icmp_fn);
	SEED(6, ipv4_opts);
	{
		/* IPv6, hop-by-hop, fragment header, UDP. */
		static uint8_t v6[40 + 8 + 8 + 8];

		memset(v6, 0, sizeof v6);
		v6[0] = 0x60;
		v6[5] = 24;
		v6[6] = 0;
		v6[40] = 44;
		v6[48] = 17;
		v6[51] = 1;
		v6[55] = 9;
		v6[57] = 0x35;
		v6[61] = 8;
		SEED(1, v6);
	}
	{
		/* Three fragment records for reassembly. */
		static const uint8_t fr[] = {
			1, 0, 1, 8, 1, 1, 2, 3, 4, 5, 6, 7, 8,
			1, 0, 0, 8, 1, 9, 9, 9, 9, 9, 9, 9, 9,
			1, 0, 2, 4, 0, 7, 7, 7, 7,
		};
		SEED(7, fr);
	}
#undef SEED
#undef SEEDN
	*n = k;
	return seeds;
}
