/* Wireshark's IKEv1 and ESP key files (see keys.h for the formats). */
#include "captures/keys.h"
#include "peers/hex.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct cap_keys {
	struct cap_ike_key ike[CAP_KEYS_MAX_IKE];
	size_t nike;
	struct cap_esp_key esp[CAP_KEYS_MAX_ESP];
	size_t nesp;
};

struct cap_keys *cap_keys_new(void)
{
	return calloc(1, sizeof(struct cap_keys));
}

void cap_keys_free(struct cap_keys *k)
{
	if (!k)
		return;
	explicit_bzero(k, sizeof *k);
	free(k);
}

size_t cap_keys_count(const struct cap_keys *k, enum cap_keys_kind kind)
{
	return kind == CAP_KEYS_IKE ? k->nike : k->nesp;
}

/* One line being parsed: where we are, for FILE:LINE:COL messages. */
struct kline {
	const char *name;
	unsigned line;
	const char *start, *p, *end;
	char *msg;
	size_t msglen;
};

static int kl_fail(struct kline *l, const char *at, const char *field, const char *what)
{
	snprintf(l->msg, l->msglen, "%s:%u:%u: %s: %s", l->name, l->line,
	         (unsigned)(at - l->start) + 1, field, what);
	return -EINVAL;
}

/* Hex digits s[0..n) (an optional 0x prefix) into out (at most cap bytes). */
static int hex_bytes(struct kline *l, const char *s, size_t n, const char *field, uint8_t *out,
                     size_t cap, size_t *outlen)
{
	const char *at = s;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0)
		return kl_fail(l, at, field, "empty");
	if (n % 2)
		return kl_fail(l, at, field, "odd number of hex digits");
	if (n / 2 > cap)
		return kl_fail(l, at, field, "too long");
	for (size_t i = 0; i < n; i += 2) {
		int hi = hex_value(s[i]), lo = hex_value(s[i + 1]);

		if (hi < 0 || lo < 0)
			return kl_fail(l, s + (hi < 0 ? i : i + 1), field, "not a hex digit");
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*outlen = n / 2;
	return 0;
}

static int ike_line(struct cap_keys *k, struct kline *l)
{
	const char *comma = memchr(l->p, ',', (size_t)(l->end - l->p));
	const char *e = l->end;
	struct cap_ike_key key;
	size_t n;
	int rc;

	if (*l->p == '"')
		return kl_fail(l, l->p, "Initiator's COOKIE", "must be unquoted hex (Wireshark "
		               "refuses quoted IKEv1 lines)");
	if (!comma)
		return kl_fail(l, l->end, "Encryption Key", "missing (want icookie,key)");
	while (e > comma + 1 && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((rc = hex_bytes(l, l->p, (size_t)(comma - l->p), "Initiator's COOKIE", key.icookie, 8,
	                    &n)))
		return rc;
	if (n != 8)
		return kl_fail(l, l->p, "Initiator's COOKIE", "must be 8 octets");
	if ((rc = hex_bytes(l, comma + 1, (size_t)(e - comma - 1), "Encryption Key", key.key,
	                    sizeof key.key, &key.len)))
		return rc;
	if (key.len < 8)
		return kl_fail(l, comma + 1, "Encryption Key", "shorter than any cipher key");
	if (k->nike == CAP_KEYS_MAX_IKE) {
		explicit_bzero(&key, sizeof key);
		snprintf(l->msg, l->msglen, "%s:%u:1: more than %d IKE keys", l->name, l->line,
		         CAP_KEYS_MAX_IKE);
		return -ENOSPC;
	}
	k->ike[k->nike++] = key;
	explicit_bzero(&key, sizeof key);
	return 0;
}

/* The next quoted field: p at '"'; sets *s, *n to its contents, advances past ',' */
static int next_field(struct kline *l, const char *field, const char **s, size_t *n, bool last)
{
	const char *q;

	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t'))
		l->p++;
	if (l->p >= l->end || *l->p != '"')
		return kl_fail(l, l->p, field, "want a quoted field");
	q = memchr(l->p + 1, '"', (size_t)(l->end - l->p - 1));
	if (!q)
		return kl_fail(l, l->p, field, "unterminated quote");
	*s = l->p + 1;
	*n = (size_t)(q - l->p - 1);
	l->p = q + 1;
	while (l->p < l->end && (*l->p == ' ' || *l->p == '\t'))
		l->p++;
	if (last) {
		if (l->p != l->end)
			return kl_fail(l, l->p, field, "text after the eighth field");
	} else {
		if (l->p >= l->end || *l->p != ',')
			return kl_fail(l, l->p, field, "want ',' after it");
		l->p++;
	}
	return 0;
}

static bool field_is(const char *s, size_t n, const char *want)
{
	return strlen(want) == n && !memcmp(s, want, n);
}

static int addr_field(struct kline *l, const char *s, size_t n, const char *field, int fam,
                      bool *any, struct ip_addr *a)
{
	char buf[64];

	memset(a, 0, sizeof *a);
	*any = field_is(s, n, "*");
	if (*any)
		return 0;
	if (n >= sizeof buf)
		return kl_fail(l, s, field, "not an address");
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(fam == 4 ? AF_INET : AF_INET6, buf, a->a) != 1)
		return kl_fail(l, s, field, fam == 4 ? "not an IPv4 address" : "not an IPv6 address");
	a->family = (uint8_t)fam;
	return 0;
}

static int esp_line(struct cap_keys *k, struct kline *l)
{
	static const char *const names[8] = { "Protocol", "Src IP", "Dest IP", "SPI", "Encryption",
	                                      "Encryption Key", "Authentication",
	                                      "Authentication Key" };
	const char *s[8];
	size_t n[8], len;
	struct cap_esp_key key;
	uint8_t spi[4];
	int fam, rc = 0;

	memset(&key, 0, sizeof key);
	for (int i = 0; i < 8; i++)
		if ((rc = next_field(l, names[i], &s[i], &n[i], i == 7)))
			return rc;
	if (field_is(s[0], n[0], "IPv4"))
		fam = 4;
	else if (field_is(s[0], n[0], "IPv6"))
		fam = 6;
	else
		return kl_fail(l, s[0], names[0], "want \"IPv4\" or \"IPv6\"");
	if ((rc = addr_field(l, s[1], n[1], names[1], fam, &key.src_any, &key.src)) ||
	    (rc = addr_field(l, s[2], n[2], names[2], fam, &key.dst_any, &key.dst)))
		return rc;
	key.spi_any = field_is(s[3], n[3], "*");
	if (!key.spi_any) {
		if (n[3] < 3 || s[3][0] != '0' || (s[3][1] != 'x' && s[3][1] != 'X') || n[3] > 10)
			return kl_fail(l, s[3], names[3], "want 0x and up to 8 hex digits, or *");
		uint8_t pad[4] = { 0 };
		char hex[9] = "00000000";
		memcpy(hex + 8 - (n[3] - 2), s[3] + 2, n[3] - 2);
		if ((rc = hex_bytes(l, hex, 8, names[3], pad, 4, &len)))
			return kl_fail(l, s[3], names[3], "not a hex number");
		memcpy(spi, pad, 4);
		key.spi = (uint32_t)spi[0] << 24 | (uint32_t)spi[1] << 16 | (uint32_t)spi[2] << 8 |
		          spi[3];
	}
	/* Encryption: AES-CBC takes its size from the key; TripleDES-CBC is 24 bytes. */
	uint8_t ek[ESP_KEY_MAX], ik[ESP_KEY_MAX];
	size_t elen, ilen = 0;
	bool aes = field_is(s[4], n[4], "AES-CBC [RFC3602]");

	if (!aes && !field_is(s[4], n[4], "TripleDES-CBC [RFC2451]"))
		return kl_fail(l, s[4], names[4], "vpnlab decrypts \"AES-CBC [RFC3602]\" and "
		               "\"TripleDES-CBC [RFC2451]\" only");
	if ((rc = hex_bytes(l, s[5], n[5], names[5], ek, sizeof ek, &elen)))
		goto out;
	if (aes)
		key.encr = elen == 16 ? ESP_ENCR_AES128_CBC : elen == 24 ? ESP_ENCR_AES192_CBC :
		           elen == 32 ? ESP_ENCR_AES256_CBC : ESP_ENCR_COUNT;
	else
		key.encr = elen == 24 ? ESP_ENCR_3DES_CBC : ESP_ENCR_COUNT;
	if (key.encr == ESP_ENCR_COUNT) {
		rc = kl_fail(l, s[5], names[5], aes ? "AES key must be 16, 24 or 32 bytes" :
		             "3DES key must be 24 bytes");
		goto out;
	}
	static const struct { const char *name; enum esp_integ integ; } auths[] = {
		{ "HMAC-SHA-1-96 [RFC2404]", ESP_INTEG_HMAC_SHA1_96 },
		{ "HMAC-SHA-256-128 [RFC4868]", ESP_INTEG_HMAC_SHA2_256_128 },
		{ "HMAC-SHA-384-192 [RFC4868]", ESP_INTEG_HMAC_SHA2_384_192 },
		{ "HMAC-SHA-512-256 [RFC4868]", ESP_INTEG_HMAC_SHA2_512_256 },
		{ "NULL", ESP_INTEG_NONE },
	};
	size_t ai = 0;
	for (; ai < sizeof auths / sizeof auths[0]; ai++)
		if (field_is(s[6], n[6], auths[ai].name))
			break;
	if (ai == sizeof auths / sizeof auths[0]) {
		rc = kl_fail(l, s[6], names[6], "vpnlab checks HMAC-SHA-1-96 and HMAC-SHA-256/384/"
		             "512 [RFC4868], or NULL");
		goto out;
	}
	key.integ = auths[ai].integ;
	if (key.integ != ESP_INTEG_NONE) {
		if ((rc = hex_bytes(l, s[7], n[7], names[7], ik, sizeof ik, &ilen)))
			goto out;
		if (ilen != esp_integ_info(key.integ)->key_len) {
			rc = kl_fail(l, s[7], names[7], "wrong length for the algorithm");
			goto out;
		}
	}
	if (k->nesp == CAP_KEYS_MAX_ESP) {
		snprintf(l->msg, l->msglen, "%s:%u:1: more than %d ESP keys", l->name, l->line,
		         CAP_KEYS_MAX_ESP);
		rc = -ENOSPC;
		goto out;
	}
	memcpy(key.keymat, ek, elen);
	memcpy(key.keymat + elen, ik, ilen);
	key.enc_len = elen;
	key.integ_len = ilen;
	k->esp[k->nesp++] = key;
out:
	explicit_bzero(ek, sizeof ek);
	explicit_bzero(ik, sizeof ik);
	explicit_bzero(&key, sizeof key);
	return rc;
}

int cap_keys_parse(struct cap_keys *k, enum cap_keys_kind kind, const char *name,
                   const char *text, size_t len, char *msg, size_t msglen)
{
	struct kline l = { .name = name, .msg = msg, .msglen = msglen };
	const char *p = text, *end = text + len;

	msg[0] = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		int rc;

		l.line++;
		l.start = p;
		l.end = e;
		if (l.end > p && l.end[-1] == '\r')
			l.end--;
		l.p = p;
		while (l.p < l.end && (*l.p == ' ' || *l.p == '\t'))
			l.p++;
		if (l.p < l.end && *l.p != '#') {
			rc = kind == CAP_KEYS_IKE ? ike_line(k, &l) : esp_line(k, &l);
			if (rc)
				return rc;
		}
		p = nl ? nl + 1 : end;
	}
	return 0;
}

static int load_file(struct cap_keys *k, const char *path, int kind, char *msg, size_t msglen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;
	int rc;

	if (!f) {
		rc = -errno;
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		snprintf(msg, msglen, "%s: cannot read", path);
		return -EIO;
	}
	if (n > 16 * 1024 * 1024) {
		fclose(f);
		snprintf(msg, msglen, "%s: larger than 16 MiB: not a key file", path);
		return -EFBIG;
	}
	buf = malloc((size_t)n + 1);
	if (!buf) {
		fclose(f);
		snprintf(msg, msglen, "%s: out of memory", path);
		return -ENOMEM;
	}
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		snprintf(msg, msglen, "%s: short read", path);
		return -EIO;
	}
	fclose(f);
	if (kind < 0) {
		/* Guess from the first key line: esp_sa lines are quoted, IKE lines are not. */
		const char *p = buf;
		kind = CAP_KEYS_IKE;
		while (p < buf + n) {
			while (p < buf + n && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
				p++;
			if (p < buf + n && *p == '#') {
				while (p < buf + n && *p != '\n')
					p++;
				continue;
			}
			if (p < buf + n && *p == '"')
				kind = CAP_KEYS_ESP;
			break;
		}
	}
	rc = cap_keys_parse(k, (enum cap_keys_kind)kind, path, buf, (size_t)n, msg, msglen);
	explicit_bzero(buf, (size_t)n);
	free(buf);
	return rc;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int cap_keys_load(struct cap_keys *k, const char *path, char *msg, size_t msglen)
{
	struct stat st;
	char sub[4096];
	int rc, found = 0;

	if (stat(path, &st)) {
		rc = -errno;
		snprintf(msg, msglen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (!S_ISDIR(st.st_mode)) {
		const char *b = base_name(path);
		int kind = !strcmp(b, "ikev1_decryption_table") ? CAP_KEYS_IKE :
		           !strcmp(b, "esp_sa") ? CAP_KEYS_ESP : -1;
		return load_file(k, path, kind, msg, msglen);
	}
	static const char *const files[2] = { "ikev1_decryption_table", "esp_sa" };
	for (int i = 0; i < 2; i++) {
		snprintf(sub, sizeof sub, "%s/%s", path, files[i]);
		if (stat(sub, &st))
			continue;
		found++;
		if ((rc = load_file(k, sub, i == 0 ? CAP_KEYS_IKE : CAP_KEYS_ESP, msg, msglen)))
			return rc;
	}
	if (!found) {
		snprintf(msg, msglen, "%s: holds neither ikev1_decryption_table nor esp_sa", path);
		return -ENOENT;
	}
	return 0;
}

const struct cap_ike_key *cap_keys_ike(const struct cap_keys *k, const uint8_t icookie[8])
{
	for (size_t i = 0; i < k->nike; i++)
		if (!memcmp(k->ike[i].icookie, icookie, 8))
			return &k->ike[i];
	return NULL;
}

const struct cap_esp_key *cap_keys_esp(const struct cap_keys *k, const struct ip_addr *src,
                                       const struct ip_addr *dst, uint32_t spi)
{
	for (size_t i = 0; i < k->nesp; i++) {
		const struct cap_esp_key *e = &k->esp[i];

		if ((e->spi_any || e->spi == spi) && (e->src_any || ip_addr_equal(&e->src, src)) &&
		    (e->dst_any || ip_addr_equal(&e->dst, dst)))
			return e;
	}
	return NULL;
}
