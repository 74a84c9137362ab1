/* esp_sa.c: the SA object: keys, OpenSSL contexts, counters, lifetimes. */
#include "peers/esp/esp_sa.h"
#include "peers/esp/esp_int.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>

int esp_sa_new(const struct esp_sa_config *cfg, lab_ns now, struct esp_sa **out)
{
	const struct esp_encr_info *ei = esp_encr_info(cfg->encr);
	const struct esp_integ_info *ii = esp_integ_info(cfg->integ);
	struct esp_sa *sa = NULL;
	int rc = -EINVAL;

	*out = NULL;
	if (!ei || !ii || cfg->spi == 0 || !cfg->keymat)
		goto fail;
	if (cfg->keymat_len < ei->key_len + ii->key_len)
		goto fail;
	rc = -ENOMEM;
	sa = calloc(1, sizeof *sa);
	if (!sa)
		goto fail;
	rc = esp_replay_init(&sa->replay, cfg->dir == ESP_DIR_IN ? cfg->replay_window : 0);
	if (rc < 0)
		goto fail;
	sa->spi = cfg->spi;
	sa->dir = cfg->dir;
	sa->encr = cfg->encr;
	sa->integ = cfg->integ;
	sa->ei = ei;
	sa->ii = ii;
	sa->udp_encap = cfg->udp_encap;
	sa->lenient_padding = cfg->lenient_padding;
	memcpy(sa->enc_key, cfg->keymat, ei->key_len);
	memcpy(sa->integ_key, cfg->keymat + ei->key_len, ii->key_len);
	sa->soft_bytes = cfg->soft_kbytes * 1024;
	sa->hard_bytes = cfg->hard_kbytes * 1024;
	sa->created = now;
	sa->soft_time = cfg->soft_time;
	sa->hard_time = cfg->hard_time;

	rc = esp_cbc_init(&sa->cbc, cfg->encr, cfg->dir == ESP_DIR_OUT, sa->enc_key);
	if (rc < 0)
		goto fail;
	if (ii->digest) {
		rc = esp_hmac_init(&sa->mac, cfg->integ, sa->integ_key, ii->key_len);
		if (rc < 0)
			goto fail;
	}
	*out = sa;
	return 0;
fail:
	esp_sa_free(sa);
	return rc;
}

void esp_sa_free(struct esp_sa *sa)
{
	if (!sa)
		return;
	esp_cbc_wipe(&sa->cbc);
	esp_hmac_wipe(&sa->mac);
	OPENSSL_cleanse(sa, sizeof *sa);
	free(sa);
}

uint32_t esp_sa_spi(const struct esp_sa *sa) { return sa->spi; }
enum esp_dir esp_sa_dir(const struct esp_sa *sa) { return sa->dir; }
bool esp_sa_udp_encap(const struct esp_sa *sa) { return sa->udp_encap; }
enum esp_encr esp_sa_encr(const struct esp_sa *sa) { return sa->encr; }
enum esp_integ esp_sa_integ(const struct esp_sa *sa) { return sa->integ; }

const uint8_t *esp_sa_enc_key(const struct esp_sa *sa, size_t *len)
{
	*len = sa->ei->key_len;
	return sa->enc_key;
}

const uint8_t *esp_sa_integ_key(const struct esp_sa *sa, size_t *len)
{
	*len = sa->ii->key_len;
	return sa->integ_key;
}

void esp_sa_stats(const struct esp_sa *sa, struct esp_sa_stats *st)
{
	*st = sa->st;
	st->seq = sa->dir == ESP_DIR_OUT ? sa->seq : sa->replay.top;
}

enum esp_life esp_sa_lifetime(const struct esp_sa *sa, lab_ns now)
{
	lab_ns age = now - sa->created;

	if ((sa->hard_bytes && sa->st.bytes >= sa->hard_bytes) ||
	    (sa->hard_time && age >= sa->hard_time))
		return ESP_LIFE_HARD;
	if ((sa->soft_bytes && sa->st.bytes >= sa->soft_bytes) ||
	    (sa->soft_time && age >= sa->soft_time))
		return ESP_LIFE_SOFT;
	return ESP_LIFE_OK;
}

int esp_sa_seq_restart(struct esp_sa *sa, uint32_t next)
{
	if (next == 0 || sa->dir != ESP_DIR_OUT)
		return -EINVAL;
	sa->seq = next - 1;
	return 0;
}

const char *esp_verdict_name(enum esp_verdict v)
{
	static const char *const names[ESP_VERDICT_COUNT] = {
		[ESP_OK] = "ok",
		[ESP_E_SHORT] = "too short",
		[ESP_E_LENGTH] = "bad length",
		[ESP_E_UNKNOWN_SPI] = "unknown SPI",
		[ESP_E_REPLAY_DUP] = "replay: duplicate",
		[ESP_E_REPLAY_OLD] = "replay: too old",
		[ESP_E_AUTH] = "authentication failed",
		[ESP_E_PADDING] = "bad padding",
		[ESP_E_NEXT_HEADER] = "bad next header",
		[ESP_E_DUMMY] = "dummy packet",
		[ESP_E_NOSPC] = "no space",
		[ESP_E_INTERNAL] = "internal error",
	};

	if ((unsigned)v >= ESP_VERDICT_COUNT)
		return "?";
	return names[v];
}
