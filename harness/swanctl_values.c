/*
 * swanctl_values.c: gw_config values written the way charon reads them: identities with
 * strongSwan's type prefixes, addresses, selectors, and lifetimes as charon settings.
 */
#include "harness/swanctl_int.h"

#include "peers/ike/isakmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* ---- identities ---- */

/* The swanctl/VICI text of an ISAKMP identity, with strongSwan's type prefixes
 * (identification.c: "fqdn:", "email:", "keyid:") so a name that looks like an address keeps
 * its type. type 0: the endpoint's address for the local side, %any for the remote. */
int swanctl_id_text(uint8_t type, const uint8_t *d, size_t len,
                    const struct ike_endpoint *ep, bool local, char *out, size_t outlen, char *why, size_t whylen)
{
	char a[INET6_ADDRSTRLEN];
	size_t o;

	switch (type) {
	case 0:
		if (!local) {
			snprintf(out, outlen, "%%any");
			return 0;
		}
		inet_ntop(ep->family, ep->addr, a, sizeof a);
		snprintf(out, outlen, "%s", a);
		return 0;
	case ISAKMP_ID_IPV4_ADDR:
	case ISAKMP_ID_IPV6_ADDR:
		if (len != (type == ISAKMP_ID_IPV4_ADDR ? 4u : 16u)) {
			snprintf(why, whylen, "address identity of %zu bytes", len);
			return -EINVAL;
		}
		inet_ntop(type == ISAKMP_ID_IPV4_ADDR ? AF_INET : AF_INET6, d, a, sizeof a);
		snprintf(out, outlen, "%s", a);
		return 0;
	case ISAKMP_ID_FQDN:
	case ISAKMP_ID_USER_FQDN:
		if (len == 0) {
			snprintf(why, whylen, "empty name");
			return -EINVAL;
		}
		o = (size_t)snprintf(out, outlen, type == ISAKMP_ID_FQDN ? "fqdn:" : "email:");
		for (size_t i = 0; i < len; i++) {
			if (d[i] <= 0x20 || d[i] >= 0x7f || d[i] == '"' || d[i] == '\\' || d[i] == ',') {
				snprintf(why, whylen, "byte 0x%02x at %zu cannot be written in swanctl.conf",
				         d[i], i);
				return -EINVAL;
			}
			if (o + 1 < outlen)
				out[o++] = (char)d[i];
		}
		out[o < outlen ? o : outlen - 1] = '\0';
		return 0;
	case ISAKMP_ID_KEY_ID:
		o = (size_t)snprintf(out, outlen, "keyid:#");
		for (size_t i = 0; i < len && o + 3 < outlen; i++)
			o += (size_t)snprintf(out + o, outlen - o, "%02x", d[i]);
		return 0;
	default:
		snprintf(why, whylen, "identity type %u is not rendered (address, FQDN, user FQDN "
		         "and key ID are)", type);
		return -EINVAL;
	}
}

int swanctl_addr_text(const struct ike_endpoint *e, char *out, size_t len)
{
	static const uint8_t zero[16];

	if (e->family != AF_INET && e->family != AF_INET6)
		return -EINVAL;
	if (memcmp(e->addr, zero, e->family == AF_INET ? 4 : 16) == 0)
		snprintf(out, len, "%%any");
	else
		inet_ntop(e->family, e->addr, out, (socklen_t)len);
	return 0;
}

int swanctl_net_text(const struct ike_net *n, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if ((n->family != AF_INET && n->family != AF_INET6) || n->len < 0 ||
	    n->len > (n->family == AF_INET ? 32 : 128))
		return -EINVAL;
	inet_ntop(n->family, n->addr, a, sizeof a);
	snprintf(out, len, "%s/%d", a, n->len);
	return 0;
}

/* ---- lifetimes ---- */

lab_ns swanctl_ike_life(const struct ike_policy *p)
{
	return p->ike_lifetime > 0 ? p->ike_lifetime : lab_sec(8 * 3600);
}

lab_ns swanctl_esp_life(const struct ike_policy *p)
{
	return p->esp_lifetime > 0 ? p->esp_lifetime : lab_sec(3600);
}

lab_ns swanctl_dpd_delay(const struct ike_policy *p)
{
	return p->dpd_delay > 0 ? p->dpd_delay : lab_sec(30);
}

/*
 * IKEv1 has no IKE rekey in charon: the ISAKMP SA is reauthenticated (a new main mode), and
 * main mode proposes the un-jittered reauth_time + over_time as the SA's lifetime (research
 * notes 3.3). So reauth_time = lifetime - margin and over_time = margin propose exactly the
 * configured lifetime and reauthenticate margin (minus jitter) before it, as the simulated
 * peer does. Quick mode proposes life_time, and rekeys at rekey_time = life - margin.
 */
void swanctl_lifetimes(const struct ike_policy *p, struct lifetimes *l)
{
	lab_ns il = swanctl_ike_life(p), el = swanctl_esp_life(p);
	lab_ns im = p->rekey_margin > 0 ? p->rekey_margin : il / 10;
	lab_ns em = p->rekey_margin > 0 ? p->rekey_margin : el / 10;

	l->ike_over = (uint64_t)(im / LAB_NS_PER_SEC);
	l->ike_reauth = (uint64_t)(il / LAB_NS_PER_SEC) - l->ike_over;
	l->ike_rand = (uint64_t)(p->rekey_jitter / LAB_NS_PER_SEC);
	l->child_life = (uint64_t)(el / LAB_NS_PER_SEC);
	l->child_rekey = l->child_life - (uint64_t)(em / LAB_NS_PER_SEC);
	l->child_rand = l->ike_rand;
}
