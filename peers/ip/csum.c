/* Checksums (RFC 1071), addresses and errors shared by the IP codec. */
#include "peers/ip/ip.h"
#include "peers/ip/err.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ip_err_set(struct ip_err *err, int code, const char *field, size_t offset,
               const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	err->field = field;
	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	return code;
}

bool ip_addr_equal(const struct ip_addr *x, const struct ip_addr *y)
{
	if (x->family != y->family)
		return false;
	return memcmp(x->a, y->a, x->family == 6 ? 16 : 4) == 0;
}

char *ip_addr_format(const struct ip_addr *x, char *buf, size_t len)
{
	if (x->family == 4 || x->family == 6) {
		if (inet_ntop(x->family == 4 ? AF_INET : AF_INET6, x->a, buf, (socklen_t)len))
			return buf;
	}
	snprintf(buf, len, "-");
	return buf;
}

uint32_t ip_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	uint64_t s = sum, a0 = 0, a1 = 0, a2 = 0, a3 = 0, acc;
	uint32_t w[4];

	/* The bulk as 32-bit words in host order, in four independent 64-bit sums (no carry
	 * to keep: 2^32 words would be needed to overflow one). RFC 1071 §2(B): the sum does
	 * not depend on byte order, only its 16-bit result is byte-swapped; it is then added
	 * as one 16-bit big-endian word. */
	while (len >= 16) {
		memcpy(w, p, 16);
		a0 += w[0];
		a1 += w[1];
		a2 += w[2];
		a3 += w[3];
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		memcpy(w, p, 4);
		a0 += w[0];
		p += 4;
		len -= 4;
	}
	acc = (a0 & 0xffffffffu) + (a0 >> 32) + (a1 & 0xffffffffu) + (a1 >> 32) +
	      (a2 & 0xffffffffu) + (a2 >> 32) + (a3 & 0xffffffffu) + (a3 >> 32);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	s += ntohs((uint16_t)acc);
	/* 16-bit big-endian words; an odd last byte is padded with zero (RFC 1071 §4.1). */
	while (len >= 2) {
		s += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t ip_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t ip_csum_pseudo(const struct ip_addr *src, const struct ip_addr *dst, uint8_t proto,
                        uint32_t len)
{
	size_t alen = src->family == 6 ? 16 : 4;
	uint32_t sum = 0;
	uint8_t tail[8];

	sum = ip_csum_add(sum, src->a, alen);
	sum = ip_csum_add(sum, dst->a, alen);
	/* IPv4: zero, protocol, 16-bit length; IPv6: 32-bit length, 3 zero bytes, next header. */
	tail[0] = 0;
	tail[1] = 0;
	tail[2] = (uint8_t)(len >> 24);
	tail[3] = (uint8_t)(len >> 16);
	tail[4] = (uint8_t)(len >> 8);
	tail[5] = (uint8_t)len;
	tail[6] = 0;
	tail[7] = proto;
	return ip_csum_add(sum, tail, sizeof tail);
}
