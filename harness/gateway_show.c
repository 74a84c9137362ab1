/*
 * gateway_show.c: gw_conn_sa() of every connection -> struct fitelnet_sa -> the F220's text
 * (see gateway_show.h). What vpnlab's gateway has no counter for is what it never does:
 * it does not check decrypted packets against the selectors (no "Rule error") and never
 * lets a sequence number wrap (no "Seq lapped"), so those print 0. Interface is "tunnel 1":
 * a vpnlab gateway has one tunnel interface, which the F220 would name so.
 */
#include "harness/gateway_show.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers/fitelnet/fitelnet_show_sa.h"

static uint32_t host_order(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* false when the F220 cannot have this transform. */
static bool sa_of(const struct gw_sa_info *in, lab_ns now, struct fitelnet_sa *sa)
{
	lab_ns age = now - in->created;
	uint32_t total = (uint32_t)(in->lifetime / LAB_NS_PER_SEC);
	uint32_t used = age > 0 ? (uint32_t)(age / LAB_NS_PER_SEC) : 0;

	memset(sa, 0, sizeof *sa);
	if (in->prop.encr == IKE_ENCR_AES_CBC)
		sa->cipher = FITELNET_CIPHER_AES;
	else if (in->prop.encr == IKE_ENCR_3DES)
		sa->cipher = FITELNET_CIPHER_3DES;
	else
		return false;
	if (in->prop.hash == IKE_HASH_SHA1)
		sa->integ = FITELNET_INTEG_HMAC_SHA1_96;
	else if (in->prop.hash == IKE_HASH_SHA256)
		sa->integ = FITELNET_INTEG_HMAC_SHA2_256_128;
	else
		return false;
	sa->cipher_key_bits = (unsigned)in->prop.keylen;
	sa->initiator = in->initiator;
	sa->local.addr = host_order(in->local_ts.addr);
	sa->local.plen = in->local_ts.len;
	sa->remote.addr = host_order(in->remote_ts.addr);
	sa->remote.plen = in->remote_ts.len;
	snprintf(sa->interface, sizeof sa->interface, "tunnel 1");
	sa->peer_ip = host_order(in->remote.addr);
	sa->peer_port = in->remote.port;
	sa->local_ip = host_order(in->local.addr);
	sa->local_port = in->local.port;
	sa->life_total_s = total;
	sa->life_remaining_s = used < total ? total - used : 0;
	sa->pfs_group = (unsigned)in->prop.group;
	sa->esn = false;                /* the engine negotiates NO_EXT_SEQ */

	sa->in.spi = in->spi_in;
	sa->in.packets = in->in.packets;
	sa->in.octets = in->in.bytes;
	sa->in.replay_errors = in->in.drops[ESP_E_REPLAY_DUP] + in->in.drops[ESP_E_REPLAY_OLD];
	sa->in.auth_errors = in->in.drops[ESP_E_AUTH];
	sa->in.padding_errors = in->in.drops[ESP_E_PADDING];
	memcpy(sa->in.cipher_key, in->enc_in, in->enc_len);
	sa->in.cipher_key_len = in->enc_len;
	memcpy(sa->in.auth_key, in->auth_in, in->auth_len);
	sa->in.auth_key_len = in->auth_len;

	sa->out.spi = in->spi_out;
	sa->out.packets = in->out.packets;
	sa->out.octets = in->out.bytes;
	memcpy(sa->out.cipher_key, in->enc_out, in->enc_len);
	sa->out.cipher_key_len = in->enc_len;
	memcpy(sa->out.auth_key, in->auth_out, in->auth_len);
	sa->out.auth_key_len = in->auth_len;
	return true;
}

char *gateway_show_crypto_sa(const struct gw *w, lab_ns now, size_t *skipped)
{
	size_t n = gw_conn_count(w), len;
	struct fitelnet_sa *sas = calloc(n + 1, sizeof *sas);
	struct fitelnet_sa_table t = { .sa = sas };
	struct gw_sa_info info;
	char *text = NULL;

	*skipped = 0;
	if (!sas)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		bool up = gw_conn_sa(w, (int)i, &info);

		t.n_isakmp_sa += info.ike_sas;
		if (up) {
			if (info.enc_len <= FITELNET_SA_KEY_MAX && info.auth_len <= FITELNET_SA_KEY_MAX &&
			    sa_of(&info, now, &sas[t.n_sa]))
				t.n_sa++;
			else
				(*skipped)++;
		}
		explicit_bzero(&info, sizeof info);
	}
	len = fitelnet_show_crypto_sa(&t, NULL, 0);
	text = malloc(len + 1);
	if (text)
		fitelnet_show_crypto_sa(&t, text, len + 1);
	explicit_bzero(sas, (n + 1) * sizeof *sas);
	free(sas);
	return text;
}
