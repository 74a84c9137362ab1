/* k5_addr.c: CIDR and address checks for subnets, peer CIDRs and address allocation. */
#include "mocks/k5_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int k5_ip_version(const char *s)
{
	unsigned char b[16];

	if (inet_pton(AF_INET, s, b) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, b) == 1)
		return 6;
	return 0;
}

int k5_cidr_parse(const char *s, struct k5_cidr *c, char *why, size_t whylen)
{
	char host[64], *end;
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	long prefix;
	int bytes, maxp;

	memset(c, 0, sizeof *c);
	if (hl == 0 || hl >= sizeof host) {
		snprintf(why, whylen, "'%.64s' is not a valid IP subnet", s);
		return -EINVAL;
	}
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, c->addr) == 1) {
		c->family = 4;
		maxp = 32;
	} else if (inet_pton(AF_INET6, host, c->addr) == 1) {
		c->family = 6;
		maxp = 128;
	} else {
		snprintf(why, whylen, "'%.64s' is not a valid IP subnet", s);
		return -EINVAL;
	}
	if (!slash) {
		snprintf(why, whylen, "'%.64s' is not a valid IP subnet", s);
		return -EINVAL;
	}
	prefix = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || prefix < 0 || prefix > maxp) {
		snprintf(why, whylen, "'%.64s' is not a valid IP subnet", s);
		return -EINVAL;
	}
	c->prefix = (int)prefix;
	bytes = maxp / 8;
	for (int bit = c->prefix; bit < bytes * 8; bit++)
		if (c->addr[bit / 8] & (0x80 >> (bit % 8))) {
			snprintf(why, whylen, "'%.64s' isn't a recommended CIDR, host bits are set", s);
			return -EINVAL;
		}
	return 0;
}

bool k5_cidr_contains(const struct k5_cidr *c, const char *ip)
{
	unsigned char b[16];
	int af = c->family == 4 ? AF_INET : AF_INET6;

	if (inet_pton(af, ip, b) != 1)
		return false;
	for (int bit = 0; bit < c->prefix; bit++) {
		unsigned char m = (unsigned char)(0x80 >> (bit % 8));

		if ((b[bit / 8] & m) != (c->addr[bit / 8] & m))
			return false;
	}
	return true;
}

int k5_cidr_host(const struct k5_cidr *c, unsigned long n, char *out, size_t len)
{
	unsigned char b[16];
	int nbytes = c->family == 4 ? 4 : 16;
	int hostbits = nbytes * 8 - c->prefix;
	unsigned long carry = n;

	if (hostbits < 63 && n >= (1ul << hostbits))
		return -ERANGE;
	memcpy(b, c->addr, sizeof b);
	for (int i = nbytes - 1; i >= 0 && carry; i--) {
		unsigned long s = b[i] + (carry & 0xff);

		b[i] = (unsigned char)s;
		carry = (carry >> 8) + (s >> 8);
	}
	if (!inet_ntop(c->family == 4 ? AF_INET : AF_INET6, b, out, (socklen_t)len))
		return -ERANGE;
	return 0;
}
