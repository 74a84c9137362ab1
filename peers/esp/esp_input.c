/* esp_input.c: inbound tunnel-mode decapsulation (RFC 4303 3.4). */
#include "peers/esp/esp_sa.h"
#include "peers/esp/esp_int.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>

struct cursor {
	const uint8_t *p;
	size_t left;
};

static int get_be32(struct cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return -1;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	return 0;
}

static enum esp_verdict drop(struct esp_sa *sa, struct esp_in_result *res, enum esp_verdict v,
                             const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->msg, sizeof res->msg, fmt, ap);
	va_end(ap);
	if (sa)
		sa->st.drops[v]++;
	return v;
}

enum esp_verdict esp_sa_decrypt(struct esp_sa *sa, const uint8_t *pkt, size_t len,
                                uint8_t *out, size_t cap, struct esp_in_result *res)
{
	struct cursor c = { pkt, len };
	size_t ivl = sa->ei->block_len, icvl = sa->ii->icv_len, min, ct_len, inner_len;
	uint8_t icv[ESP_ICV_MAX];
	const uint8_t *iv, *ct;
	uint8_t padl, nh;
	enum esp_verdict v;

	memset(res, 0, sizeof *res);
	if (sa->dir != ESP_DIR_IN)
		return drop(sa, res, ESP_E_INTERNAL, "SA 0x%08x is outbound", sa->spi);
	min = ESP_HDR_LEN + ivl + sa->ei->block_len + icvl;
	if (len < min)
		return drop(sa, res, ESP_E_SHORT, "ESP length %zu < %zu (header, IV, one block, ICV)",
		            len, min);
	get_be32(&c, &res->spi);
	get_be32(&c, &res->seq);
	if (res->spi != sa->spi)
		return drop(sa, res, ESP_E_UNKNOWN_SPI, "SPI at offset 0: 0x%08x, SA has 0x%08x",
		            res->spi, sa->spi);
	ct_len = len - ESP_HDR_LEN - ivl - icvl;
	if (ct_len % sa->ei->block_len)
		return drop(sa, res, ESP_E_LENGTH,
		            "ciphertext at offset %zu: %zu bytes, not a multiple of %zu",
		            ESP_HDR_LEN + ivl, ct_len, sa->ei->block_len);

	/* Replay check first: cheap, before any crypto (RFC 4303 3.4.3). */
	switch (esp_replay_check(&sa->replay, res->seq)) {
	case ESP_REPLAY_OK:
		break;
	case ESP_REPLAY_DUPLICATE:
		return drop(sa, res, ESP_E_REPLAY_DUP, "sequence number at offset 4: %u seen before",
		            res->seq);
	case ESP_REPLAY_TOO_OLD:
		return drop(sa, res, ESP_E_REPLAY_OLD,
		            "sequence number at offset 4: %u left of window (top %u, size %u)",
		            res->seq, sa->replay.top, sa->replay.size);
	}

	/* ICV before decryption (RFC 4303 3.4.4.1), compared in constant time. */
	if (sa->mac.md) {
		if (esp_hmac_run(&sa->mac, icvl, pkt, len - icvl, icv) < 0)
			return drop(sa, res, ESP_E_INTERNAL, "HMAC failed");
		if (CRYPTO_memcmp(icv, pkt + len - icvl, icvl) != 0)
			return drop(sa, res, ESP_E_AUTH, "ICV at offset %zu does not verify",
			            len - icvl);
	}

	if (cap < ct_len)
		return drop(sa, res, ESP_E_NOSPC, "output %zu < ciphertext %zu", cap, ct_len);
	iv = pkt + ESP_HDR_LEN;
	ct = iv + ivl;
	if (esp_cbc_run(&sa->cbc, iv, ct, ct_len, out) < 0)
		return drop(sa, res, ESP_E_INTERNAL, "decryption failed");

	/* Trailer: ... | Padding | Pad Length | Next Header (RFC 4303 2.4 - 2.6). */
	padl = out[ct_len - 2];
	nh = out[ct_len - 1];
	if ((size_t)padl + 2 > ct_len) {
		v = drop(sa, res, ESP_E_PADDING, "pad length %u > plaintext %zu - 2", padl, ct_len);
		goto wipe;
	}
	inner_len = ct_len - 2 - padl;
	if (!sa->lenient_padding) {
		/* kernel-libipsec rejects anything but 1, 2, 3, ... (research notes section 4). */
		for (size_t i = 0; i < padl; i++)
			if (out[inner_len + i] != (uint8_t)(i + 1)) {
				v = drop(sa, res, ESP_E_PADDING,
				         "pad byte %zu at plaintext offset %zu is 0x%02x, want 0x%02x",
				         i + 1, inner_len + i, out[inner_len + i], (unsigned)(i + 1));
				goto wipe;
			}
	}
	res->next_header = nh;
	if (nh == ESP_NH_NONE) {
		/* Authentic, so it counts for the window, as in Linux XFRM and libipsec. */
		esp_replay_update(&sa->replay, res->seq);
		v = drop(sa, res, ESP_E_DUMMY, "next header 59: dummy packet, discarded");
		goto wipe;
	}
	if (nh != ESP_NH_IPV4 && nh != ESP_NH_IPV6) {
		v = drop(sa, res, ESP_E_NEXT_HEADER, "next header %u, want 4 or 41", nh);
		goto wipe;
	}
	if (inner_len == 0 || (out[0] >> 4) != (nh == ESP_NH_IPV4 ? 4 : 6)) {
		v = drop(sa, res, ESP_E_NEXT_HEADER, "next header %u but inner version %u (%zu bytes)",
		         nh, inner_len ? out[0] >> 4 : 0, inner_len);
		goto wipe;
	}

	/*
	 * The window moves only for packets that verified (RFC 4303 3.4.3) and parsed, as Linux
	 * XFRM does. strongSwan's libipsec (esp_packet.c decrypt) moves it right after the ICV,
	 * before the padding check; the two differ only for authentic packets with bad padding.
	 */
	esp_replay_update(&sa->replay, res->seq);
	sa->st.packets++;
	sa->st.bytes += inner_len;
	res->inner_len = inner_len;
	return ESP_OK;
wipe:
	OPENSSL_cleanse(out, ct_len);
	return v;
}
