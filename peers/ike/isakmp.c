/*
 * isakmp.c: header, payload chain, SA/proposal/transform, notify, delete and ID payloads,
 * parsed with a bounds-checked cursor and built with an appending builder (see isakmp.h).
 */
#include "peers/ike/isakmp.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct cur {
	const uint8_t *p;
	size_t left;
	size_t off;                     /* of p in the message */
};

static int fail(struct isakmp_err *e, size_t off, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->off = off;
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof e->msg, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static bool get8(struct cur *c, uint8_t *v)
{
	if (c->left < 1)
		return false;
	*v = c->p[0];
	c->p++;
	c->left--;
	c->off++;
	return true;
}

static bool get16(struct cur *c, uint16_t *v)
{
	if (c->left < 2)
		return false;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	c->off += 2;
	return true;
}

static bool get32(struct cur *c, uint32_t *v)
{
	if (c->left < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 | (uint32_t)c->p[2] << 8 | c->p[3];
	c->p += 4;
	c->left -= 4;
	c->off += 4;
	return true;
}

static bool skip(struct cur *c, size_t n)
{
	if (c->left < n)
		return false;
	c->p += n;
	c->left -= n;
	c->off += n;
	return true;
}

int isakmp_hdr_parse(const uint8_t *msg, size_t len, struct isakmp_hdr *h, struct isakmp_err *e)
{
	struct cur c = { msg, len, 0 };

	if (len < ISAKMP_HDR_LEN)
		return fail(e, len, "ISAKMP header: %zu bytes, need 28", len);
	memcpy(h->icookie, msg, 8);
	memcpy(h->rcookie, msg + 8, 8);
	skip(&c, 16);
	get8(&c, &h->np);
	get8(&c, &h->version);
	get8(&c, &h->exch);
	get8(&c, &h->flags);
	get32(&c, &h->msgid);
	get32(&c, &h->length);
	if ((h->version >> 4) != 1)
		return fail(e, 17, "ISAKMP header: version 0x%02x is not IKEv1 (major 1)", h->version);
	if (h->length < ISAKMP_HDR_LEN)
		return fail(e, 24, "ISAKMP header: length %u is shorter than the header", h->length);
	if (h->length > len)
		return fail(e, 24, "ISAKMP header: length %u but only %zu bytes", h->length, len);
	return 0;
}

void isakmp_hdr_write(uint8_t out[ISAKMP_HDR_LEN], const struct isakmp_hdr *h)
{
	memcpy(out, h->icookie, 8);
	memcpy(out + 8, h->rcookie, 8);
	out[16] = h->np;
	out[17] = h->version;
	out[18] = h->exch;
	out[19] = h->flags;
	out[20] = (uint8_t)(h->msgid >> 24);
	out[21] = (uint8_t)(h->msgid >> 16);
	out[22] = (uint8_t)(h->msgid >> 8);
	out[23] = (uint8_t)h->msgid;
	out[24] = (uint8_t)(h->length >> 24);
	out[25] = (uint8_t)(h->length >> 16);
	out[26] = (uint8_t)(h->length >> 8);
	out[27] = (uint8_t)h->length;
}

int isakmp_chain_parse(uint8_t first_np, const uint8_t *p, size_t len, size_t base_off,
                       struct isakmp_chain *ch, struct isakmp_err *e)
{
	struct cur c = { p, len, base_off };
	uint8_t np = first_np;

	ch->n = 0;
	ch->trailing = 0;
	while (np != ISAKMP_PT_NONE) {
		struct isakmp_pl *pl;
		uint8_t next, reserved;
		uint16_t plen;
		size_t start = c.off;
		const uint8_t *raw = c.p;

		if (ch->n == ISAKMP_MAX_PAYLOADS)
			return fail(e, start, "more than %d payloads", ISAKMP_MAX_PAYLOADS);
		if (!get8(&c, &next) || !get8(&c, &reserved) || !get16(&c, &plen))
			return fail(e, start, "%s payload: truncated generic header (%zu bytes left)",
			            isakmp_pt_name(np), c.left);
		if (plen < 4)
			return fail(e, start + 2, "%s payload: length %u is shorter than its header",
			            isakmp_pt_name(np), plen);
		if ((size_t)plen - 4 > c.left)
			return fail(e, start + 2, "%s payload: length %u runs past the end of the message "
			            "(%zu bytes left)", isakmp_pt_name(np), plen, c.left + 4);
		pl = &ch->pl[ch->n++];
		pl->type = np;
		pl->off = start;
		pl->raw = raw;
		pl->raw_len = plen;
		pl->body = raw + 4;
		pl->body_len = (size_t)plen - 4;
		skip(&c, (size_t)plen - 4);
		np = next;
	}
	ch->trailing = c.left;
	return 0;
}

const struct isakmp_pl *isakmp_chain_find(const struct isakmp_chain *c, uint8_t type)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->pl[i].type == type)
			return &c->pl[i];
	return NULL;
}

/* what: "transform 3" or "attribute list", for the messages */
static int attrs_parse(struct cur *c, struct isakmp_transform *t, const char *what,
                       struct isakmp_err *e)
{
	while (c->left) {
		struct isakmp_attr *a;
		uint16_t type, v;
		size_t at = c->off;

		if (t->nattrs == ISAKMP_MAX_ATTRS)
			return fail(e, at, "%s: more than %d attributes", what, ISAKMP_MAX_ATTRS);
		if (!get16(c, &type) || !get16(c, &v))
			return fail(e, at, "%s: truncated attribute", what);
		a = &t->attrs[t->nattrs++];
		a->type = type & 0x7fff;
		a->tv = type & 0x8000;
		if (a->tv) {
			a->value = v;
			a->value_ok = true;
			a->data = NULL;
			a->len = 0;
			continue;
		}
		if (v > c->left)
			return fail(e, at + 2, "%s: attribute %u length %u runs past the end (%zu bytes "
			            "left)", what, a->type, v, c->left);
		a->data = c->p;
		a->len = v;
		a->value = 0;
		a->value_ok = v <= 8;
		for (size_t i = 0; i < v && v <= 8; i++)
			a->value = a->value << 8 | c->p[i];
		skip(c, v);
	}
	return 0;
}

/*
 * Proposal:  ! Next Payload  !   RESERVED    !         Payload Length        !
 *            !  Proposal #   !  Protocol-Id  !    SPI Size   !# of Transforms!
 *            !                        SPI (variable)                         !
 * Transform: ! Next Payload  !   RESERVED    !         Payload Length        !
 *            !  Transform #  !  Transform-Id !           RESERVED2           !
 *            !                        SA Attributes                          !
 *                                                        RFC 2408 3.5, 3.6
 */
int isakmp_sa_parse(const uint8_t *body, size_t len, size_t base_off, struct isakmp_sa *sa,
                    struct isakmp_err *e)
{
	struct cur c = { body, len, base_off };
	uint8_t np = ISAKMP_PT_P;

	memset(sa, 0, sizeof *sa);
	if (!get32(&c, &sa->doi) || !get32(&c, &sa->situation))
		return fail(e, base_off, "SA payload: %zu bytes, need 8 for DOI and situation", len);
	if (sa->doi != 1)
		return fail(e, base_off, "SA payload: DOI %u is not the IPsec DOI (1)", sa->doi);
	while (np == ISAKMP_PT_P) {
		struct isakmp_proposal *pr;
		uint8_t reserved, tnp = ISAKMP_PT_T;
		uint16_t plen;
		size_t at = c.off;
		struct cur pc;

		if (sa->nprops == ISAKMP_MAX_PROPOSALS)
			return fail(e, at, "SA payload: more than %d proposals", ISAKMP_MAX_PROPOSALS);
		pr = &sa->props[sa->nprops++];
		if (!get8(&c, &np) || !get8(&c, &reserved) || !get16(&c, &plen))
			return fail(e, at, "proposal: truncated header");
		if (np != ISAKMP_PT_P && np != ISAKMP_PT_NONE)
			return fail(e, at, "proposal: next payload %u (must be 0 or 2)", np);
		if (plen < 8 || (size_t)plen - 4 > c.left)
			return fail(e, at + 2, "proposal: length %u does not fit (%zu bytes left)", plen,
			            c.left + 4);
		pc.p = c.p;
		pc.left = (size_t)plen - 4;
		pc.off = c.off;
		skip(&c, (size_t)plen - 4);
		get8(&pc, &pr->num);
		get8(&pc, &pr->proto);
		get8(&pc, &pr->spi_size);
		get8(&pc, &pr->ntransforms);
		if (pr->spi_size > 16 || pr->spi_size > pc.left)
			return fail(e, at + 6, "proposal %u: SPI size %u does not fit", pr->num,
			            pr->spi_size);
		memcpy(pr->spi, pc.p, pr->spi_size);
		skip(&pc, pr->spi_size);
		while (tnp == ISAKMP_PT_T && pc.left) {
			struct isakmp_transform *t;
			uint16_t tlen, res2;
			size_t tat = pc.off;
			struct cur tc;

			if (pr->ntr == ISAKMP_MAX_TRANSFORMS)
				return fail(e, tat, "proposal %u: more than %d transforms", pr->num,
				            ISAKMP_MAX_TRANSFORMS);
			t = &pr->tr[pr->ntr++];
			t->raw = pc.p;
			if (!get8(&pc, &tnp) || !get8(&pc, &reserved) || !get16(&pc, &tlen))
				return fail(e, tat, "transform: truncated header");
			if (tnp != ISAKMP_PT_T && tnp != ISAKMP_PT_NONE)
				return fail(e, tat, "transform: next payload %u (must be 0 or 3)", tnp);
			if (tlen < 8 || (size_t)tlen - 4 > pc.left)
				return fail(e, tat + 2, "transform: length %u does not fit (%zu bytes left)",
				            tlen, pc.left + 4);
			t->raw_len = tlen;
			tc.p = pc.p;
			tc.left = (size_t)tlen - 4;
			tc.off = pc.off;
			skip(&pc, (size_t)tlen - 4);
			get8(&tc, &t->num);
			get8(&tc, &t->id);
			get16(&tc, &res2);
			{
				char what[24];

				snprintf(what, sizeof what, "transform %u", t->num);
				if (attrs_parse(&tc, t, what, e) < 0)
					return -1;
			}
		}
		if (tnp == ISAKMP_PT_T)
			return fail(e, pc.off, "proposal %u: last transform says another follows", pr->num);
		if (pr->ntr != pr->ntransforms)
			return fail(e, at + 7, "proposal %u: says %u transforms, has %zu", pr->num,
			            pr->ntransforms, pr->ntr);
	}
	return 0;
}

int isakmp_attrs_parse(const uint8_t *data, size_t len, size_t base_off,
                       struct isakmp_transform *t, struct isakmp_err *e)
{
	struct cur c = { data, len, base_off };

	memset(t, 0, sizeof *t);
	t->raw = data;
	t->raw_len = len;
	return attrs_parse(&c, t, "attribute list", e);
}

bool isakmp_attr_get(const struct isakmp_transform *t, uint16_t type, uint64_t *v)
{
	for (size_t i = 0; i < t->nattrs; i++)
		if (t->attrs[i].type == type && t->attrs[i].value_ok) {
			*v = t->attrs[i].value;
			return true;
		}
	return false;
}

int isakmp_notify_parse(const struct isakmp_pl *pl, struct isakmp_notify_pl *n,
                        struct isakmp_err *e)
{
	struct cur c = { pl->body, pl->body_len, pl->off + 4 };

	if (!get32(&c, &n->doi) || !get8(&c, &n->proto) || !get8(&c, &n->spi_size) ||
	    !get16(&c, &n->type))
		return fail(e, pl->off, "notify payload: %zu bytes, need 8", pl->body_len);
	if (n->spi_size > c.left)
		return fail(e, pl->off + 9, "notify payload: SPI size %u does not fit", n->spi_size);
	n->spi = c.p;
	skip(&c, n->spi_size);
	n->data = c.p;
	n->data_len = c.left;
	return 0;
}

int isakmp_delete_parse(const struct isakmp_pl *pl, struct isakmp_delete_pl *d,
                        struct isakmp_err *e)
{
	struct cur c = { pl->body, pl->body_len, pl->off + 4 };

	if (!get32(&c, &d->doi) || !get8(&c, &d->proto) || !get8(&c, &d->spi_size) ||
	    !get16(&c, &d->nspis))
		return fail(e, pl->off, "delete payload: %zu bytes, need 8", pl->body_len);
	if ((size_t)d->spi_size * d->nspis != c.left)
		return fail(e, pl->off + 8, "delete payload: %u SPIs of %u bytes need %u bytes, have %zu",
		            d->nspis, d->spi_size, d->nspis * d->spi_size, c.left);
	d->spis = c.p;
	return 0;
}

int isakmp_id_parse(const struct isakmp_pl *pl, struct isakmp_id_pl *id, struct isakmp_err *e)
{
	struct cur c = { pl->body, pl->body_len, pl->off + 4 };

	if (!get8(&c, &id->type) || !get8(&c, &id->proto) || !get16(&c, &id->port))
		return fail(e, pl->off, "ID payload: %zu bytes, need 4", pl->body_len);
	id->data = c.p;
	id->len = c.left;
	switch (id->type) {
	case ISAKMP_ID_IPV4_ADDR:
		if (id->len != 4)
			return fail(e, pl->off + 8, "ID_IPV4_ADDR: %zu bytes, need 4", id->len);
		break;
	case ISAKMP_ID_IPV4_ADDR_SUBNET:
	case ISAKMP_ID_IPV4_ADDR_RANGE:
		if (id->len != 8)
			return fail(e, pl->off + 8, "IPv4 subnet/range ID: %zu bytes, need 8", id->len);
		break;
	case ISAKMP_ID_IPV6_ADDR:
		if (id->len != 16)
			return fail(e, pl->off + 8, "ID_IPV6_ADDR: %zu bytes, need 16", id->len);
		break;
	case ISAKMP_ID_IPV6_ADDR_SUBNET:
	case ISAKMP_ID_IPV6_ADDR_RANGE:
		if (id->len != 32)
			return fail(e, pl->off + 8, "IPv6 subnet/range ID: %zu bytes, need 32", id->len);
		break;
	default:
		break;
	}
	return 0;
}

static int prefix_len(const uint8_t *mask, size_t n)
{
	int bits = 0;

	for (size_t i = 0; i < n; i++)
		for (int b = 7; b >= 0; b--) {
			if (!(mask[i] >> b & 1))
				return bits;
			bits++;
		}
	return bits;
}

void isakmp_id_format(const struct isakmp_id_pl *id, char *buf, size_t len)
{
	char a[64], b[64];

	switch (id->type) {
	case ISAKMP_ID_IPV4_ADDR:
		inet_ntop(AF_INET, id->data, buf, (socklen_t)len);
		break;
	case ISAKMP_ID_IPV6_ADDR:
		inet_ntop(AF_INET6, id->data, buf, (socklen_t)len);
		break;
	case ISAKMP_ID_IPV4_ADDR_SUBNET:
		inet_ntop(AF_INET, id->data, a, sizeof a);
		snprintf(buf, len, "%s/%d", a, prefix_len(id->data + 4, 4));
		break;
	case ISAKMP_ID_IPV6_ADDR_SUBNET:
		inet_ntop(AF_INET6, id->data, a, sizeof a);
		snprintf(buf, len, "%s/%d", a, prefix_len(id->data + 16, 16));
		break;
	case ISAKMP_ID_IPV4_ADDR_RANGE:
		inet_ntop(AF_INET, id->data, a, sizeof a);
		inet_ntop(AF_INET, id->data + 4, b, sizeof b);
		snprintf(buf, len, "%s-%s", a, b);
		break;
	case ISAKMP_ID_IPV6_ADDR_RANGE:
		inet_ntop(AF_INET6, id->data, a, sizeof a);
		inet_ntop(AF_INET6, id->data + 16, b, sizeof b);
		snprintf(buf, len, "%s-%s", a, b);
		break;
	case ISAKMP_ID_FQDN:
	case ISAKMP_ID_USER_FQDN: {
		size_t n = 0;

		for (size_t i = 0; i < id->len && n + 1 < len; i++)
			buf[n++] = id->data[i] >= 0x20 && id->data[i] < 0x7f ? (char)id->data[i] : '?';
		if (len)
			buf[n] = 0;
		break;
	}
	default: {
		size_t n = (size_t)snprintf(buf, len, "type %u:", id->type);

		for (size_t i = 0; i < id->len && n + 3 < len; i++)
			n += (size_t)snprintf(buf + n, len - n, "%02x", id->data[i]);
		break;
	}
	}
}

const char *isakmp_xchg_name(uint8_t x)
{
	switch (x) {
	case ISAKMP_XCHG_IDPROT: return "ID_PROT";
	case ISAKMP_XCHG_AGGR: return "AGGRESSIVE";
	case ISAKMP_XCHG_INFO: return "INFORMATIONAL_V1";
	case ISAKMP_XCHG_TRANSACTION: return "TRANSACTION";
	case ISAKMP_XCHG_QUICK: return "QUICK_MODE";
	default: return "UNKNOWN_EXCHANGE";
	}
}

const char *isakmp_notify_name(uint16_t t)
{
	switch (t) {
	case ISAKMP_N_INVALID_PAYLOAD_TYPE: return "INVALID_PAYLOAD_TYPE";
	case ISAKMP_N_INVALID_SPI: return "INVALID_SPI";
	case ISAKMP_N_NO_PROPOSAL_CHOSEN: return "NO_PROPOSAL_CHOSEN";
	case ISAKMP_N_PAYLOAD_MALFORMED: return "PAYLOAD_MALFORMED";
	case ISAKMP_N_INVALID_ID_INFORMATION: return "INVALID_ID_INFORMATION";
	case ISAKMP_N_INVALID_HASH_INFORMATION: return "INVALID_HASH_INFORMATION";
	case ISAKMP_N_AUTHENTICATION_FAILED: return "AUTHENTICATION_FAILED";
	case ISAKMP_N_RESPONDER_LIFETIME: return "RESPONDER_LIFETIME";
	case ISAKMP_N_REPLAY_STATUS: return "REPLAY_STATUS";
	case ISAKMP_N_INITIAL_CONTACT: return "INITIAL_CONTACT";
	case ISAKMP_N_R_U_THERE: return "DPD";
	case ISAKMP_N_R_U_THERE_ACK: return "DPD_ACK";
	default: return "UNKNOWN_NOTIFY";
	}
}

const char *isakmp_pt_name(uint8_t t)
{
	switch (t) {
	case ISAKMP_PT_SA: return "SA";
	case ISAKMP_PT_P: return "P";
	case ISAKMP_PT_T: return "T";
	case ISAKMP_PT_KE: return "KE";
	case ISAKMP_PT_ID: return "ID";
	case ISAKMP_PT_CERT: return "CERT";
	case ISAKMP_PT_CR: return "CERTREQ";
	case ISAKMP_PT_HASH: return "HASH";
	case ISAKMP_PT_SIG: return "SIG";
	case ISAKMP_PT_NONCE: return "No";
	case ISAKMP_PT_N: return "N";
	case ISAKMP_PT_D: return "D";
	case ISAKMP_PT_VID: return "V";
	case ISAKMP_PT_NATD: case ISAKMP_PT_NATD_DRAFT: return "NAT-D";
	case ISAKMP_PT_NATOA: case ISAKMP_PT_NATOA_DRAFT: return "NAT-OA";
	default: return "UNKNOWN";
	}
}

void isakmp_chain_describe(const struct isakmp_chain *c, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "[");

	for (size_t i = 0; i < c->n && n < len; i++) {
		const struct isakmp_pl *pl = &c->pl[i];

		if (pl->type == ISAKMP_PT_N && pl->body_len >= 8) {
			uint16_t t = (uint16_t)(pl->body[6] << 8 | pl->body[7]);

			n += (size_t)snprintf(buf + n, len - n, " N(%s)", isakmp_notify_name(t));
		} else {
			n += (size_t)snprintf(buf + n, len - n, " %s", isakmp_pt_name(pl->type));
		}
	}
	if (n < len)
		snprintf(buf + n, len - n, " ]");
}

/* ---- builder ---- */

void isakmp_build_init(struct isakmp_builder *b)
{
	b->len = 0;
	b->first_np = ISAKMP_PT_NONE;
	b->np_at = -1;
	b->overflow = false;
}

void isakmp_put(struct isakmp_builder *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->overflow || n > sizeof b->buf - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

void isakmp_put8(struct isakmp_builder *b, uint8_t v)
{
	isakmp_put(b, &v, 1);
}

void isakmp_put16(struct isakmp_builder *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	isakmp_put(b, x, 2);
}

void isakmp_put32(struct isakmp_builder *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	isakmp_put(b, x, 4);
}

void isakmp_pl_begin(struct isakmp_builder *b, uint8_t type)
{
	if (b->np_at < 0)
		b->first_np = type;
	else if (!b->overflow)
		b->buf[b->np_at] = type;
	b->pl_start = b->len;
	b->np_at = (long)b->len;
	isakmp_put8(b, ISAKMP_PT_NONE);
	isakmp_put8(b, 0);
	isakmp_put16(b, 0);
}

void isakmp_pl_end(struct isakmp_builder *b)
{
	size_t n = b->len - b->pl_start;

	if (b->overflow)
		return;
	b->buf[b->pl_start + 2] = (uint8_t)(n >> 8);
	b->buf[b->pl_start + 3] = (uint8_t)n;
}

void isakmp_put_attr(struct isakmp_builder *b, uint16_t type, uint64_t value)
{
	if (value <= 0xffff) {
		isakmp_put16(b, (uint16_t)(0x8000 | type));
		isakmp_put16(b, (uint16_t)value);
	} else if (value <= 0xffffffffu) {
		isakmp_put16(b, type);
		isakmp_put16(b, 4);
		isakmp_put32(b, (uint32_t)value);
	} else {
		isakmp_put16(b, type);
		isakmp_put16(b, 8);
		isakmp_put32(b, (uint32_t)(value >> 32));
		isakmp_put32(b, (uint32_t)value);
	}
}

void isakmp_put_payload(struct isakmp_builder *b, uint8_t type, const void *body, size_t n)
{
	isakmp_pl_begin(b, type);
	isakmp_put(b, body, n);
	isakmp_pl_end(b);
}

void isakmp_put_notify(struct isakmp_builder *b, uint8_t proto, const uint8_t *spi,
                       size_t spi_size, uint16_t type, const void *data, size_t dlen)
{
	isakmp_pl_begin(b, ISAKMP_PT_N);
	isakmp_put32(b, 1);
	isakmp_put8(b, proto);
	isakmp_put8(b, (uint8_t)spi_size);
	isakmp_put16(b, type);
	isakmp_put(b, spi, spi_size);
	isakmp_put(b, data, dlen);
	isakmp_pl_end(b);
}

void isakmp_put_delete(struct isakmp_builder *b, uint8_t proto, const uint8_t *spis,
                       size_t spi_size, uint16_t nspis)
{
	isakmp_pl_begin(b, ISAKMP_PT_D);
	isakmp_put32(b, 1);
	isakmp_put8(b, proto);
	isakmp_put8(b, (uint8_t)spi_size);
	isakmp_put16(b, nspis);
	isakmp_put(b, spis, spi_size * nspis);
	isakmp_pl_end(b);
}
