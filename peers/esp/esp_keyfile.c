/* esp_keyfile.c: Wireshark esp_sa lines (field order: packet-ipsec.c esp_uat_flds, notes 7). */
#include "peers/esp/esp_keyfile.h"
#include "peers/esp/esp_sa.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>

static int hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	if (cap < 2 * n + 3)
		return -ENOSPC;
	out[0] = '0';
	out[1] = 'x';
	for (size_t i = 0; i < n; i++) {
		out[2 + 2 * i] = digits[p[i] >> 4];
		out[3 + 2 * i] = digits[p[i] & 15];
	}
	out[2 + 2 * n] = '\0';
	return 0;
}

int esp_keyfile_line(const struct esp_sa *sa, int af, const void *src, const void *dst,
                     char *buf, size_t cap)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	char ek[2 * ESP_KEY_MAX + 3], ik[2 * ESP_KEY_MAX + 3];
	const uint8_t *k;
	size_t klen;
	int n, rc = -EINVAL;

	if (cap)
		buf[0] = '\0';
	if ((af != AF_INET && af != AF_INET6) || !inet_ntop(af, src, s, sizeof s) ||
	    !inet_ntop(af, dst, d, sizeof d))
		goto out;
	k = esp_sa_enc_key(sa, &klen);
	hex(ek, sizeof ek, k, klen);
	k = esp_sa_integ_key(sa, &klen);
	if (klen)
		hex(ik, sizeof ik, k, klen);
	else
		ik[0] = '\0';
	n = snprintf(buf, cap, "\"%s\",\"%s\",\"%s\",\"0x%08x\",\"%s\",\"%s\",\"%s\",\"%s\"\n",
	             af == AF_INET ? "IPv4" : "IPv6", s, d, esp_sa_spi(sa),
	             esp_encr_info(esp_sa_encr(sa))->wireshark, ek,
	             esp_integ_info(esp_sa_integ(sa))->wireshark, ik);
	if (n < 0 || (size_t)n >= cap) {
		OPENSSL_cleanse(buf, cap);
		if (cap)
			buf[0] = '\0';
		rc = -ENOSPC;
		goto out;
	}
	rc = n;
out:
	OPENSSL_cleanse(ek, sizeof ek);
	OPENSSL_cleanse(ik, sizeof ik);
	return rc;
}
