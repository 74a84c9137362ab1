/*
 * sakura_gateway.c: Sakura VPC router intents -> gw_config (sakura_gateway.h).
 */
#include "mocks/sakura_gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "mocks/sakura_int.h"

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int ipv4(const char *s, uint8_t out[4])
{
	return inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

static int peer_conn(const struct profile *p, const struct sakura_intent *in,
                     const struct sakura_peer_intent *pi, struct gw_config *out, char *err,
                     size_t errlen)
{
	char name[64], proposal[64], perr[64];
	struct ike_policy *pol;
	struct gw_conn *conn;
	size_t n;

	snprintf(name, sizeof name, "peer-%s-tunnel-vti", pi->peer);
	conn = profile_conn_add(p, out, name, NULL);
	if (!conn)
		return fail(err, errlen, "Config: more than %d peers", GW_MAX_CONNS);
	pol = &conn->ike;
	conn->enabled = in->enabled;
	if (in->version >= 2) {
		/* one proposal from the settings, for IKE and (as PFS group) for ESP */
		snprintf(proposal, sizeof proposal, "%s-%s-%s", in->encryption, in->hash,
		         in->dh_group);
		pol->nike = ike_props_parse(proposal, false, pol->ike, IKE_MAX_PROPS, perr,
		                            sizeof perr);
		pol->nesp = ike_props_parse(proposal, true, pol->esp, IKE_MAX_PROPS, perr,
		                            sizeof perr);
		if (pol->nike < 1 || pol->nesp < 1)
			return fail(err, errlen, "EncryptionAlgo/HashAlgo/DHGroup %s: %s", proposal,
			            perr);
	}
	pol->ike_lifetime = lab_sec(in->ike_lifetime);
	pol->esp_lifetime = lab_sec(in->esp_lifetime);
	pol->dpd_delay = lab_sec(in->dpd_interval);
	pol->dpd_timeout = lab_sec(in->dpd_timeout);
	if (*in->global_ip) {
		if (ipv4(in->global_ip, pol->local.addr))
			return fail(err, errlen, "Interfaces[0].IPAddress '%s': not an IPv4 address",
			            in->global_ip);
		pol->local.family = AF_INET;
		pol->local.port = 500;
		pol->local_id_type = ISAKMP_ID_IPV4_ADDR;
		memcpy(pol->local_id, pol->local.addr, 4);
		pol->local_id_len = 4;
	}
	if (ipv4(pi->peer, pol->remote.addr))
		return fail(err, errlen, "Config.Peer '%s': not an IPv4 address", pi->peer);
	pol->remote.family = AF_INET;
	pol->remote.port = 500;
	if (!ipv4(pi->remote_id, pol->remote_id)) {
		pol->remote_id_type = ISAKMP_ID_IPV4_ADDR;
		pol->remote_id_len = 4;
	} else {
		n = strlen(pi->remote_id);
		if (n > sizeof pol->remote_id)
			return fail(err, errlen, "Config.RemoteID longer than %zu bytes",
			            sizeof pol->remote_id);
		pol->remote_id_type = ISAKMP_ID_FQDN;
		memcpy(pol->remote_id, pi->remote_id, n);
		pol->remote_id_len = n;
	}
	n = strlen(pi->psk);
	memcpy(pol->psk, pi->psk, n);
	pol->psk_len = n;
	pol->local_ts.family = pol->remote_ts.family = AF_INET;    /* 0.0.0.0/0 each */
	return 0;
}

int sakura_gateway_config(const struct sakura_intent *in, struct gw_config *out,
                          struct profile_report *r, char *err, size_t errlen)
{
	const char *name = in->version == 1 ? "sakura-vpc-v1" : in->version == 2 ?
	                   "sakura-vpc-v2" : NULL;
	const struct profile *p = name ? profile_find(name) : NULL;
	int rc;

	if (!p)
		return fail(err, errlen, "Remark.Router.VPCRouterVersion %d: expected 1 or 2",
		            in->version);
	rc = profile_config_init(p, out, r);
	if (rc)
		return fail(err, errlen, "profile %s does not apply", name);
	if (in->stuck)
		return 0;               /* the seeds/002 failure: no VPN until repaired */
	for (size_t i = 0; i < in->npeers; i++) {
		rc = peer_conn(p, in, &in->peers[i], out, err, errlen);
		if (rc) {
			gw_config_wipe(out);
			return rc;
		}
	}
	if (in->version == 1 && in->npeers &&
	    (strcmp(in->encryption, "aes128") || strcmp(in->hash, "sha1")) && r &&
	    r->n < PROFILE_REPORT_MAX)
		snprintf(r->line[r->n++], PROFILE_REPORT_TEXT, "sakura-vpc-v1: EncryptionAlgo %s / "
		         "HashAlgo %s are stored but not negotiated: the v1 firmware offers and "
		         "accepts only aes128-sha1 (seeds/002 l.182)", in->encryption, in->hash);
	rc = profile_apply(p, out, PROFILE_STAGE_FORCED, r);
	if (rc)
		gw_config_wipe(out);
	return rc;
}

int sakura_gateway_intent_parse(const char *json, int version, const char *global_ip,
                                struct sakura_intent *in, char *err, size_t errlen)
{
	struct sakura_router r;
	json_error_t je;
	json_t *doc = json_loads(json, 0, &je), *settings = NULL, *router;
	int rc;

	memset(in, 0, sizeof *in);
	if (!doc)
		return fail(err, errlen, "%d:%d: %s", je.line, je.column, je.text);
	/* accept the three shapes a user keeps: Settings, Router, SiteToSiteIPsecVPN */
	if (json_object_get(doc, "Settings"))
		settings = json_incref(json_object_get(doc, "Settings"));
	else if (json_object_get(doc, "Router"))
		settings = json_incref(doc);
	else if (json_object_get(doc, "SiteToSiteIPsecVPN"))
		settings = json_pack("{sO}", "Router", doc);
	else
		settings = json_pack("{s{sO}}", "Router", "SiteToSiteIPsecVPN", doc);
	rc = settings ? sakura_settings_check(settings, version, err, errlen) : -ENOMEM;
	if (rc)
		goto out;
	router = json_object_get(settings, "Router");
	memset(&r, 0, sizeof r);
	r.version = version;
	r.running = router;
	sakura_intent_build(NULL, &r, in);
	if (global_ip && *global_ip)
		snprintf(in->global_ip, sizeof in->global_ip, "%s", global_ip);
out:
	/* settings shares doc's strings: release it first so the wipe sees one owner */
	json_decref(settings);
	sakura_json_drop(doc);
	return rc;
}
