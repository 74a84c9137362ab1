/*
 * profile_fitelnet.c: resolved F220 crypto maps -> struct gw_config (see profile_fitelnet.h).
 */
#include "peers/profile/profile_fitelnet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "peers/fitelnet/fitelnet_config.h"
#include "peers/profile/profile.h"

#define PROFILE_NAME "fitelnet-f220"

static void ipv4_endpoint(struct ike_endpoint *e, uint32_t host_order)
{
	memset(e, 0, sizeof *e);
	e->family = AF_INET;
	e->addr[0] = (uint8_t)(host_order >> 24);
	e->addr[1] = (uint8_t)(host_order >> 16);
	e->addr[2] = (uint8_t)(host_order >> 8);
	e->addr[3] = (uint8_t)host_order;
	e->port = 500;
}

static void ipv4_net(struct ike_net *n, const struct fitelnet_ts *ts)
{
	memset(n, 0, sizeof *n);
	n->family = AF_INET;
	n->addr[0] = (uint8_t)(ts->addr >> 24);
	n->addr[1] = (uint8_t)(ts->addr >> 16);
	n->addr[2] = (uint8_t)(ts->addr >> 8);
	n->addr[3] = (uint8_t)ts->addr;
	n->len = ts->plen;
}

/* strongSwan notation strings of the importer -> the engine's proposals. */
static int props_from(const char (*text)[FITELNET_PROPOSAL_TEXT], size_t n, bool esp,
                      struct ike_prop *out, int *nout, char *err, size_t errlen)
{
	*nout = 0;
	for (size_t i = 0; i < n && *nout < IKE_MAX_PROPS; i++) {
		int c = ike_props_parse(text[i], esp, out + *nout, IKE_MAX_PROPS - *nout, err, errlen);

		if (c < 0)
			return -1;
		*nout += c;
	}
	return 0;
}

/* The map's own location, for messages about it. */
static void map_error(const struct fitelnet_config *c, const struct fitelnet_intent *in,
                      struct fitelnet_diags *d, const char *what)
{
	const struct fitelnet_map *m = fitelnet_config_map(c, in->map);
	const char *src = m && m->at.src < c->n_src ? c->src_name[m->at.src] : "-";

	fitelnet_diags_add(d, FITELNET_ERROR, src, m ? m->at.line : 0, m ? m->at.col : 0,
	                   "crypto map %s: %s", in->map, what);
}

static int conn_from_intent(const struct profile *p, const struct fitelnet_config *fc,
                            const struct fitelnet_intent *in, bool first,
                            enum esp_df_mode base_df, struct gw_config *out,
                            struct fitelnet_diags *d)
{
	struct gw_conn *conn = profile_conn_add(p, out, in->map, NULL);
	struct ike_policy *pol;
	char err[96], msg[160];
	enum esp_df_mode df;
	enum gw_frag frag;

	if (!conn) {
		map_error(fc, in, d, "more crypto maps than a gateway holds");
		return -EINVAL;
	}
	pol = &conn->ike;
	if (props_from(in->ike_proposal, in->n_ike, false,
	               pol->ike, &pol->nike, err, sizeof err) ||
	    props_from(in->esp_proposal, in->n_esp, true,
	               pol->esp, &pol->nesp, err, sizeof err)) {
		snprintf(msg, sizeof msg, "proposal the engine cannot take: %s", err);
		map_error(fc, in, d, msg);
		return -EINVAL;
	}
	pol->ike_lifetime = lab_sec(in->ike_lifetime_s);
	pol->esp_lifetime = lab_sec(in->ipsec_lifetime_s);
	pol->esp_lifebytes = (uint64_t)in->ipsec_lifetime_kb * 1024;
	ipv4_endpoint(&pol->remote, in->peer);
	if (in->local_address)
		ipv4_endpoint(&pol->local, in->local_address);
	if (in->self_identity) {
		pol->local_id_type = ISAKMP_ID_IPV4_ADDR;
		pol->local_id[0] = (uint8_t)(in->self_identity >> 24);
		pol->local_id[1] = (uint8_t)(in->self_identity >> 16);
		pol->local_id[2] = (uint8_t)(in->self_identity >> 8);
		pol->local_id[3] = (uint8_t)in->self_identity;
		pol->local_id_len = 4;
	}
	if (in->psk_len > sizeof pol->psk) {
		map_error(fc, in, d, "local-key longer than the engine's 128 bytes");
		return -EINVAL;
	}
	memcpy(pol->psk, in->psk, in->psk_len);
	pol->psk_len = in->psk_len;
	if (in->dpd_interval_s) {
		pol->dpd = in->dpd_always_send ? IKE_DPD_ALWAYS : IKE_DPD_IDLE;
		pol->dpd_delay = lab_sec(in->dpd_interval_s);
	}
	conn->always_up = in->always_up;
	pol->initiator = in->always_up;
	if (in->n_local_ts != 1 || in->n_remote_ts != 1) {
		snprintf(msg, sizeof msg, "selector %s has %zu src and %zu dst entries: vpnlab's IKE "
		         "policy carries one traffic selector per side", in->selector, in->n_local_ts,
		         in->n_remote_ts);
		map_error(fc, in, d, msg);
		return -EINVAL;
	}
	ipv4_net(&pol->local_ts, &in->local_ts[0]);
	ipv4_net(&pol->remote_ts, &in->remote_ts[0]);

	/* the data plane: from the first map, and every other map must agree */
	df = in->df_bit == 0 ? ESP_DF_CLEAR : in->df_bit == 1 ? ESP_DF_SET : base_df;
	frag = in->fragment_post ? GW_FRAG_POST : GW_FRAG_PRE;
	if (first) {
		out->dp.df = df;
		out->dp.frag = frag;
	} else if (df != out->dp.df || frag != out->dp.frag) {
		map_error(fc, in, d, "its ipsec policy's df-bit / fragment settings differ from the "
		          "first crypto map's, but a gateway has one data plane");
		return -EINVAL;
	}
	return 0;
}

int profile_fitelnet_configs(const char *const *texts, const char *const *names, size_t n,
                             const struct fitelnet_resolve_opts *opts, struct gw_config *out,
                             struct fitelnet_diags *d)
{
	const struct profile *p = profile_find(PROFILE_NAME);
	struct fitelnet_config *fc = malloc(sizeof *fc);
	struct fitelnet_intent *in = calloc(FITELNET_BLOCKS_MAX, sizeof *in);
	enum esp_df_mode base_df;
	size_t nin = 0;
	int rc = -ENOMEM;

	if (!fc || !in || !p)
		goto out;
	fitelnet_config_init(fc);
	for (size_t i = 0; i < n; i++) {
		rc = fitelnet_config_apply(fc, names[i], texts[i], strlen(texts[i]), d);
		if (rc)
			goto out;
	}
	rc = fitelnet_resolve(fc, opts, in, FITELNET_BLOCKS_MAX, &nin, d);
	if (rc)
		goto out;
	rc = profile_config_init(p, out, NULL);
	base_df = out->dp.df;
	for (size_t i = 0; !rc && i < nin; i++)
		rc = conn_from_intent(p, fc, &in[i], i == 0, base_df, out, d);
	if (!rc)
		rc = profile_apply(p, out, PROFILE_STAGE_FORCED, NULL);
out:
	if (fc) {
		fitelnet_config_wipe(fc);
		free(fc);
	}
	if (in) {
		for (size_t i = 0; i < FITELNET_BLOCKS_MAX; i++)
			fitelnet_intent_wipe(&in[i]);
		free(in);
	}
	if (rc)
		gw_config_wipe(out);
	return rc;
}

int profile_fitelnet_config(const char *text, const char *name, struct gw_config *out,
                            struct fitelnet_diags *d)
{
	return profile_fitelnet_configs(&text, &name, 1, NULL, out, d);
}
