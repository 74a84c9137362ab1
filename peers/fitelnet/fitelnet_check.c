/*
 * Cross-reference checks of a parsed FITELnet config (fitelnet_config_check in
 * fitelnet_config.h). The chain a working tunnel needs, as in the field note's config:
 *   crypto map M ipsec-isakmp
 *     match address S          -> crypto ipsec selector S (src and dst entries)
 *     set isakmp-profile P     -> crypto isakmp profile P
 *        set isakmp-policy I   -> crypto isakmp policy I (encryption, hash, group)
 *        set ipsec-policy Q    -> crypto ipsec policy Q (transform)
 *        set peer, local-key
 * Errors point at the referencing word; a missing block is named.
 */
#include "peers/fitelnet/fitelnet_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct chk {
	const struct fitelnet_config *c;
	struct fitelnet_diags *d;
};

static const char *src_of(const struct chk *k, const struct fitelnet_loc *l)
{
	return l->src < k->c->n_src ? k->c->src_name[l->src] : "-";
}

static void at(const struct chk *k, enum fitelnet_severity sev, const struct fitelnet_loc *l,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void at(const struct chk *k, enum fitelnet_severity sev, const struct fitelnet_loc *l,
               const char *fmt, ...)
{
	char msg[FITELNET_DIAG_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fitelnet_diags_add(k->d, sev, src_of(k, l), l->line, l->col, "%s", msg);
}

/* "a, b" names of the defined blocks of one kind, for "did you mean" lists. */
static void names(char *out, size_t cap, const void *arr, size_t esize, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? ", " : "",
		                         (const char *)arr + i * esize);
	if (!n)
		snprintf(out, cap, "none");
}

static void ref(const struct chk *k, const char *owner_kind, const char *owner, const char *cmd,
                const char *target, const struct fitelnet_loc *tat, const struct fitelnet_loc *oat,
                const char *target_kind, bool found, const void *arr, size_t esize, size_t n)
{
	char list[256];

	if (!target[0]) {
		at(k, FITELNET_ERROR, oat, "%s %s has no '%s' (a tunnel needs it)", owner_kind, owner, cmd);
		return;
	}
	if (found)
		return;
	names(list, sizeof list, arr, esize, n);
	at(k, FITELNET_ERROR, tat, "%s %s refers to %s '%s', which is not defined (defined: %s)",
	   owner_kind, owner, target_kind, target, list);
}

static void check_map(const struct chk *k, const struct fitelnet_map *m)
{
	const struct fitelnet_config *c = k->c;

	ref(k, "crypto map", m->name, "match address SELECTOR", m->match_address, &m->match_address_at,
	    &m->at, "crypto ipsec selector", fitelnet_config_selector(c, m->match_address) != NULL,
	    c->selector, sizeof c->selector[0], c->n_selector);
	ref(k, "crypto map", m->name, "set isakmp-profile PROFILE", m->isakmp_profile,
	    &m->isakmp_profile_at, &m->at, "crypto isakmp profile",
	    fitelnet_config_profile(c, m->isakmp_profile) != NULL, c->profile, sizeof c->profile[0],
	    c->n_profile);
}

static void check_profile(const struct chk *k, const struct fitelnet_isakmp_profile *p)
{
	const struct fitelnet_config *c = k->c;

	ref(k, "crypto isakmp profile", p->name, "set isakmp-policy POLICY", p->isakmp_policy,
	    &p->isakmp_policy_at, &p->at, "crypto isakmp policy",
	    fitelnet_config_isakmp_policy(c, p->isakmp_policy) != NULL, c->isakmp_policy,
	    sizeof c->isakmp_policy[0], c->n_isakmp_policy);
	ref(k, "crypto isakmp profile", p->name, "set ipsec-policy POLICY", p->ipsec_policy,
	    &p->ipsec_policy_at, &p->at, "crypto ipsec policy",
	    fitelnet_config_ipsec_policy(c, p->ipsec_policy) != NULL, c->ipsec_policy,
	    sizeof c->ipsec_policy[0], c->n_ipsec_policy);
	if (!p->peer_at.line)
		at(k, FITELNET_ERROR, &p->at, "crypto isakmp profile %s has no 'set peer A.B.C.D' "
		   "(a tunnel needs it)", p->name);
	if (!p->local_key_at.line)
		at(k, FITELNET_ERROR, &p->at, "crypto isakmp profile %s has no 'local-key KEY' "
		   "(pre-shared key authentication needs it)", p->name);
	if (p->peer_at.line && p->local_address_at.line && p->peer == p->local_address)
		at(k, FITELNET_ERROR, &p->peer_at, "crypto isakmp profile %s: set peer is the "
		   "local-address itself", p->name);
	if (!p->local_address_at.line)
		at(k, FITELNET_WARNING, &p->at, "crypto isakmp profile %s has no local-address: the "
		   "lab interface's address is used", p->name);
	if (!p->ike_version)
		at(k, FITELNET_WARNING, &p->at, "crypto isakmp profile %s has no ike-version: "
		   "assuming 1 (UNCONFIRMED default)", p->name);
}

static void check_isakmp_policy(const struct chk *k, const struct fitelnet_isakmp_policy *ip)
{
	/* No F220 default is known for these (research 6.1): they must be written. */
	if (!ip->cipher)
		at(k, FITELNET_ERROR, &ip->at, "crypto isakmp policy %s has no 'encryption "
		   "{aes|3des}'", ip->name);
	if (!ip->hash)
		at(k, FITELNET_ERROR, &ip->at, "crypto isakmp policy %s has no 'hash {sha|sha-256}'",
		   ip->name);
	if (!ip->group)
		at(k, FITELNET_ERROR, &ip->at, "crypto isakmp policy %s has no 'group N'",
		   ip->name);
	if (!ip->pre_share)
		at(k, FITELNET_WARNING, &ip->at, "crypto isakmp policy %s has no 'authentication "
		   "pre-share': assuming pre-share (the only method simulated)", ip->name);
}

static void check_ipsec_policy(const struct chk *k, const struct fitelnet_ipsec_policy *q)
{
	if (!q->esp_cipher)
		at(k, FITELNET_ERROR, &q->at, "crypto ipsec policy %s has no 'set security-association "
		   "transform {esp-aes|esp-3des} {esp-sha-hmac|esp-sha256-hmac}'", q->name);
}

static void check_selector(const struct chk *k, const struct fitelnet_selector *s)
{
	if (!s->nsrc)
		at(k, FITELNET_ERROR, &s->at, "crypto ipsec selector %s has no 'src N ipv4 "
		   "any|A.B.C.D/M'", s->name);
	if (!s->ndst)
		at(k, FITELNET_ERROR, &s->at, "crypto ipsec selector %s has no 'dst N ipv4 "
		   "any|A.B.C.D/M'", s->name);
}

static void missing(const struct chk *k, size_t n, const char *block, const char *why)
{
	if (!n)
		fitelnet_diags_add(k->d, FITELNET_ERROR, k->c->n_src ? k->c->src_name[k->c->n_src - 1] : "-",
		                   0, 0, "missing block '%s': %s", block, why);
}

static void unused(const struct chk *k, const char *kind, const char *name,
                   const struct fitelnet_loc *l, bool used)
{
	if (!used)
		at(k, FITELNET_WARNING, l, "%s %s is not used by any %s", kind, name,
		   strcmp(kind, "crypto isakmp profile") == 0 || strcmp(kind, "crypto ipsec selector") == 0
		   ? "crypto map" : "crypto isakmp profile");
}

int fitelnet_config_check(const struct fitelnet_config *c, struct fitelnet_diags *d)
{
	struct chk k = { c, d };
	size_t errors_before = d->errors;

	missing(&k, c->n_map, "crypto map NAME ipsec-isakmp", "it ties a selector to a profile");
	missing(&k, c->n_profile, "crypto isakmp profile NAME", "it names the peer, the key and the policies");
	missing(&k, c->n_isakmp_policy, "crypto isakmp policy NAME", "it gives the phase-1 proposal");
	missing(&k, c->n_ipsec_policy, "crypto ipsec policy NAME", "it gives the phase-2 proposal");
	missing(&k, c->n_selector, "crypto ipsec selector NAME", "it gives the traffic selectors");
	for (size_t i = 0; i < c->n_map; i++)
		check_map(&k, &c->map[i]);
	for (size_t i = 0; i < c->n_profile; i++)
		check_profile(&k, &c->profile[i]);
	for (size_t i = 0; i < c->n_isakmp_policy; i++)
		check_isakmp_policy(&k, &c->isakmp_policy[i]);
	for (size_t i = 0; i < c->n_ipsec_policy; i++)
		check_ipsec_policy(&k, &c->ipsec_policy[i]);
	for (size_t i = 0; i < c->n_selector; i++)
		check_selector(&k, &c->selector[i]);

	for (size_t i = 0; i < c->n_profile; i++) {
		bool used = false;

		for (size_t j = 0; j < c->n_map && !used; j++)
			used = strcmp(c->map[j].isakmp_profile, c->profile[i].name) == 0;
		unused(&k, "crypto isakmp profile", c->profile[i].name, &c->profile[i].at, used);
	}
	for (size_t i = 0; i < c->n_selector; i++) {
		bool used = false;

		for (size_t j = 0; j < c->n_map && !used; j++)
			used = strcmp(c->map[j].match_address, c->selector[i].name) == 0;
		unused(&k, "crypto ipsec selector", c->selector[i].name, &c->selector[i].at, used);
	}
	for (size_t i = 0; i < c->n_isakmp_policy; i++) {
		bool used = false;

		for (size_t j = 0; j < c->n_profile && !used; j++)
			used = strcmp(c->profile[j].isakmp_policy, c->isakmp_policy[i].name) == 0;
		unused(&k, "crypto isakmp policy", c->isakmp_policy[i].name, &c->isakmp_policy[i].at, used);
	}
	for (size_t i = 0; i < c->n_ipsec_policy; i++) {
		bool used = false;

		for (size_t j = 0; j < c->n_profile && !used; j++)
			used = strcmp(c->profile[j].ipsec_policy, c->ipsec_policy[i].name) == 0;
		unused(&k, "crypto ipsec policy", c->ipsec_policy[i].name, &c->ipsec_policy[i].at, used);
	}
	return d->errors == errors_before ? 0 : -EINVAL;
}
