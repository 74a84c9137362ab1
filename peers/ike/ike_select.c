/*
 * ike_select.c: transform selection of a responder (see ike_select.h).
 *
 * Phase-1 transform attributes (RFC 2409 App. A): 1 encryption, 2 hash, 3 authentication
 * method, 4 group, 11/12 life type/duration (type 1 = seconds), 14 key length.
 * IPsec DOI (RFC 2407 4.5): 1/2 SA life type/duration, 3 group (PFS), 4 encapsulation mode,
 * 5 authentication algorithm, 6 key length; the ESP transform id is the cipher.
 */
#include "peers/ike/ike_select.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Without a key length attribute: 3DES has its fixed 192 bits; AES is taken as AES-128
 * (RFC 3602 5.1 requires the attribute; strongSwan assumes 128 when it is missing). */
static int default_keylen(enum ike_encr e)
{
	return e == IKE_ENCR_3DES ? 192 : 128;
}

void ike_offer_decode(const struct isakmp_transform *t, bool esp, struct ike_offer *o)
{
	uint16_t life_type = esp ? 1 : 11, life_dur = esp ? 2 : 12;
	uint64_t v;

	memset(o, 0, sizeof *o);
	o->encap = 1;
	if (esp) {
		o->prop.encr = ike_encr_from_esp(t->id);
		o->prop.keylen = default_keylen(o->prop.encr);
		if (isakmp_attr_get(t, 6, &v))
			o->prop.keylen = (int)v;
		if (isakmp_attr_get(t, 5, &v))
			o->prop.hash = ike_hash_from_esp(v);
		if (isakmp_attr_get(t, 3, &v))
			o->prop.group = (int)v;
		if (isakmp_attr_get(t, 4, &v))
			o->encap = (int)v;
	} else {
		if (t->id != 1)         /* KEY_IKE, the only phase-1 transform (RFC 2407 4.4.2) */
			return;
		if (isakmp_attr_get(t, 1, &v))
			o->prop.encr = ike_encr_from_p1(v);
		o->prop.keylen = default_keylen(o->prop.encr);
		if (isakmp_attr_get(t, 14, &v))
			o->prop.keylen = (int)v;
		if (isakmp_attr_get(t, 2, &v))
			o->prop.hash = ike_hash_from_p1(v);
		if (isakmp_attr_get(t, 4, &v))
			o->prop.group = ike_modp_len((int)v) ? (int)v : 0;
		if (isakmp_attr_get(t, 3, &v)) {
			o->auth = (int)v;
			o->psk = v == 1;
		}
	}
	for (size_t i = 0; i + 1 < t->nattrs; i++)
		if (t->attrs[i].type == life_type && t->attrs[i].value == 1 &&
		    t->attrs[i + 1].type == life_dur && t->attrs[i + 1].value_ok)
			o->life = (lab_ns)t->attrs[i + 1].value * LAB_NS_PER_SEC;
	o->ok = o->prop.encr && o->prop.hash && (esp || o->prop.group);
}

enum ike_life_rule ike_select_rule(const struct ike_policy *pol)
{
	/* a responder that announces its shorter lifetime (RESPONDER-LIFETIME) uses the shorter
	 * one, whatever its rule says about longer offers */
	return pol->send_responder_lifetime ? IKE_LIFE_SHORTER : pol->life_rule;
}

lab_ns ike_select_life(enum ike_life_rule rule, lab_ns offered, lab_ns mine)
{
	switch (rule) {
	case IKE_LIFE_ACCEPT:
		return offered > 0 ? offered : mine;
	case IKE_LIFE_SHORTER:
		return offered > 0 && offered < mine ? offered : mine;
	case IKE_LIFE_EXACT:
		return offered == mine ? mine : 0;
	}
	return mine;
}

static bool proto_ok(const struct isakmp_proposal *pr, bool esp)
{
	return esp ? pr->proto == ISAKMP_PROTO_ESP && pr->spi_size == 4 :
	             pr->proto == ISAKMP_PROTO_ISAKMP;
}

/* The flat index k (over every transform of every proposal) as proposal / transform. */
static bool flat_at(const struct isakmp_sa *sa, size_t k, size_t *pi, size_t *ti)
{
	for (size_t a = 0; a < sa->nprops; a++) {
		if (k < sa->props[a].ntr) {
			*pi = a;
			*ti = k;
			return true;
		}
		k -= sa->props[a].ntr;
	}
	return false;
}

bool ike_select_sa(const struct ike_policy *pol, const struct isakmp_sa *sa, bool esp,
                   const struct ike_prop *mine, int nmine, lab_ns my_life,
                   struct ike_selection *out)
{
	bool own = pol->select == IKE_SELECT_OWN_ORDER;
	size_t total = 0;

	memset(out, 0, sizeof *out);
	for (size_t a = 0; a < sa->nprops; a++)
		total += sa->props[a].ntr;
	/* the outer loop runs over the preferred side's list */
	for (size_t outer = 0; outer < (own ? (size_t)nmine : total); outer++)
		for (size_t inner = 0; inner < (own ? total : (size_t)nmine); inner++) {
			size_t m = own ? outer : inner, pi, ti;
			struct ike_offer o;
			lab_ns life;

			if (!flat_at(sa, own ? inner : outer, &pi, &ti) ||
			    !proto_ok(&sa->props[pi], esp))
				continue;
			ike_offer_decode(&sa->props[pi].tr[ti], esp, &o);
			if (!o.ok || (!esp && !o.psk) || !ike_prop_equal(&o.prop, &mine[m]))
				continue;
			life = ike_select_life(ike_select_rule(pol), o.life, my_life);
			if (!life) {
				if (!out->life_refused++)
					out->life_refused_offered = o.life;
				continue;
			}
			out->pi = pi;
			out->ti = ti;
			out->prop = o.prop;
			out->life = life;
			out->encap = o.encap;
			return true;
		}
	return false;
}

static const char *encr_name(enum ike_encr e)
{
	return e == IKE_ENCR_AES_CBC ? "AES_CBC" : e == IKE_ENCR_3DES ? "3DES_CBC" : "none";
}

static const char *hash_name(enum ike_hash h)
{
	static const char *const n[] = { "none", "MD5", "SHA1", "SHA2_256", "SHA2_384",
	                                 "SHA2_512" };

	return n[h];
}

/* How many of the four fields agree: picks the "closest" of our proposals to explain against. */
static int likeness(const struct ike_prop *a, const struct ike_prop *b)
{
	return (a->encr == b->encr) * 8 + (a->keylen == b->keylen) * 4 + (a->hash == b->hash) * 2 +
	       (a->group == b->group);
}

/* Append one "attribute (ours: ...)" to why, comma-separated; returns what it added. */
static size_t put(char *why, size_t len, size_t used, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t put(char *why, size_t len, size_t used, const char *fmt, ...)
{
	va_list ap;
	int a = 0, b;

	if (used >= len)
		return 0;
	if (used)
		a = snprintf(why + used, len - used, ", ");
	if (a < 0 || used + (size_t)a >= len)
		return 0;
	va_start(ap, fmt);
	b = vsnprintf(why + used + (size_t)a, len - used - (size_t)a, fmt, ap);
	va_end(ap);
	if (b < 0)
		return 0;
	return used + (size_t)a + (size_t)b < len ? (size_t)a + (size_t)b : len - used;
}

static void raw_attr(const struct isakmp_transform *t, uint16_t type, char *buf, size_t len)
{
	uint64_t v;

	if (isakmp_attr_get(t, type, &v))
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else
		snprintf(buf, len, "absent");
}

bool ike_select_why(const struct ike_policy *pol, const struct isakmp_sa *sa, size_t pi,
                    size_t ti, bool esp, const struct ike_prop *mine, int nmine,
                    lab_ns my_life, char *why, size_t len)
{
	const struct isakmp_proposal *pr = &sa->props[pi];
	const struct isakmp_transform *t = &pr->tr[ti];
	const struct ike_prop *best = NULL;
	struct ike_offer o;
	char raw[24];
	lab_ns life;
	size_t n;

	if (!proto_ok(pr, esp)) {
		snprintf(why, len, "protocol %u with a %u-byte SPI (expected %s)", pr->proto,
		         pr->spi_size, esp ? "ESP (3) with a 4-byte SPI" : "ISAKMP (1)");
		return true;
	}
	ike_offer_decode(t, esp, &o);
	if (!o.ok) {
		if (!esp && t->id != 1) {
			snprintf(why, len, "transform id %u (expected KEY_IKE, 1)", t->id);
		} else if (!o.prop.encr && esp) {
			snprintf(why, len, "encryption: ESP transform id %u not supported", t->id);
		} else if (!o.prop.encr) {
			raw_attr(t, 1, raw, sizeof raw);
			snprintf(why, len, "encryption: algorithm %s not supported", raw);
		} else if (!o.prop.hash) {
			raw_attr(t, esp ? 5 : 2, raw, sizeof raw);
			snprintf(why, len, "%s: algorithm %s not supported", esp ? "integrity" : "hash",
			         raw);
		} else {
			raw_attr(t, 4, raw, sizeof raw);
			snprintf(why, len, "group: %s not supported", raw);
		}
		return true;
	}
	for (int m = 0; m < nmine; m++)
		if (!best || likeness(&o.prop, &mine[m]) > likeness(&o.prop, best))
			best = &mine[m];
	if (!best) {
		snprintf(why, len, "no %s proposal configured", esp ? "ESP" : "IKE");
		return true;
	}
	/* every attribute that differs from the closest of ours, in the order of struct ike_prop */
	n = 0;
	why[0] = 0;
	if (o.prop.encr != best->encr)
		n += put(why, len, n, "encryption %s (ours: %s)", encr_name(o.prop.encr),
		         encr_name(best->encr));
	else if (o.prop.keylen != best->keylen)
		n += put(why, len, n, "key length %d (ours: %d)", o.prop.keylen, best->keylen);
	if (o.prop.hash != best->hash)
		n += put(why, len, n, "%s %s (ours: %s)", esp ? "integrity" : "hash",
		         hash_name(o.prop.hash), hash_name(best->hash));
	if (o.prop.group != best->group)
		n += put(why, len, n, "%s group %d (ours: %d)", esp ? "PFS" : "DH", o.prop.group,
		         best->group);
	if (!esp && !o.psk)
		n += put(why, len, n, "authentication method %d (ours: pre-shared key, 1)", o.auth);
	if (n)
		return true;
	if (!(life = ike_select_life(ike_select_rule(pol), o.life, my_life))) {
		snprintf(why, len, "lifetime %llds (the required %llds exactly)",
		         (long long)(o.life / LAB_NS_PER_SEC), (long long)(my_life / LAB_NS_PER_SEC));
		return true;
	}
	return false;
}
