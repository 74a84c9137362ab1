/*
 * vici_sa.c: list-sa / updown event sections -> struct vici_ike_sa. The keys are those of
 * the vici README's list-sa event (5.9.8).
 */
#include "harness/vici_sa.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Copy, cut to the destination (charon's names and addresses fit; a longer one is cut). */
static void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static void u64_opt(const struct vici_node *sec, const char *key, uint64_t *out)
{
	if (!vici_node_u64(sec, key, false, out))
		*out = 0;
}

/* "AES_CBC" + "256" -> "AES_CBC_256"; no key size (3DES) -> "3DES_CBC". */
static void alg(char *buf, size_t len, const struct vici_node *sec, const char *name,
                const char *size)
{
	const char *n = vici_node_str(sec, name), *s = vici_node_str(sec, size);

	if (!n)
		buf[0] = '\0';
	else if (s && *s)
		snprintf(buf, len, "%s_%s", n, s);
	else
		snprintf(buf, len, "%s", n);
}

static void first_item(const struct vici_node *sec, const char *name, char *out, size_t len)
{
	const struct vici_node *l = vici_node_get(sec, name);

	out[0] = '\0';
	if (l && l->kind == VICI_NODE_LIST && l->child && !memchr(l->child->value, 0, l->child->vlen))
		snprintf(out, len, "%s", (const char *)l->child->value);
}

static int child_parse(const struct vici_node *sec, struct vici_child_sa *c, char *err,
                       size_t errlen)
{
	const char *st = vici_node_str(sec, "state");
	char enc[48], integ[48];
	const char *dh = vici_node_str(sec, "dh-group"), *esn = vici_node_str(sec, "esn");
	uint64_t v;

	memset(c, 0, sizeof *c);
	copy_str(c->name, sizeof c->name, vici_node_str(sec, "name"));
	if (!c->name[0])
		copy_str(c->name, sizeof c->name, sec->name);
	if (!st) {
		snprintf(err, errlen, "child-sas.%s: no state", sec->name);
		return -EBADMSG;
	}
	copy_str(c->state, sizeof c->state, st);
	u64_opt(sec, "uniqueid", &c->uniqueid);
	c->encap = vici_node_str(sec, "encap") && strcmp(vici_node_str(sec, "encap"), "yes") == 0;
	/* SPIs are only there once the SA has them (not while INSTALLING a trap, say) */
	if (vici_node_get(sec, "spi-in")) {
		if (!vici_node_u64(sec, "spi-in", true, &v) || v > UINT32_MAX) {
			snprintf(err, errlen, "child-sas.%s.spi-in: not a 32-bit hex SPI", sec->name);
			return -EBADMSG;
		}
		c->spi_in = (uint32_t)v;
	}
	if (vici_node_get(sec, "spi-out")) {
		if (!vici_node_u64(sec, "spi-out", true, &v) || v > UINT32_MAX) {
			snprintf(err, errlen, "child-sas.%s.spi-out: not a 32-bit hex SPI", sec->name);
			return -EBADMSG;
		}
		c->spi_out = (uint32_t)v;
	}
	alg(enc, sizeof enc, sec, "encr-alg", "encr-keysize");
	alg(integ, sizeof integ, sec, "integ-alg", "integ-keysize");
	if (enc[0]) {
		const char *proto = vici_node_str(sec, "protocol");

		snprintf(c->proposal, sizeof c->proposal, "%s:%s%s%s%s%s/%s",
		         proto ? proto : "ESP", enc, integ[0] ? "/" : "", integ, dh ? "/" : "",
		         dh ? dh : "", esn && strcmp(esn, "1") == 0 ? "EXT_SEQ" : "NO_EXT_SEQ");
	}
	u64_opt(sec, "bytes-in", &c->bytes_in);
	u64_opt(sec, "packets-in", &c->packets_in);
	u64_opt(sec, "bytes-out", &c->bytes_out);
	u64_opt(sec, "packets-out", &c->packets_out);
	u64_opt(sec, "install-time", &c->install_time);
	u64_opt(sec, "rekey-time", &c->rekey_time);
	u64_opt(sec, "life-time", &c->life_time);
	first_item(sec, "local-ts", c->local_ts, sizeof c->local_ts);
	first_item(sec, "remote-ts", c->remote_ts, sizeof c->remote_ts);
	return 0;
}

int vici_ike_sa_parse(const struct vici_node *sec, struct vici_ike_sa *out, char *err,
                      size_t errlen)
{
	const struct vici_node *children;
	const char *st, *ini;
	char enc[48], integ[48];
	const char *prf, *dh;
	uint64_t v;

	memset(out, 0, sizeof *out);
	if (!sec || sec->kind != VICI_NODE_SECTION) {
		snprintf(err, errlen, "IKE_SA: not a section");
		return -EBADMSG;
	}
	copy_str(out->name, sizeof out->name, sec->name);
	st = vici_node_str(sec, "state");
	if (!st) {
		snprintf(err, errlen, "%s: no state", sec->name);
		return -EBADMSG;
	}
	copy_str(out->state, sizeof out->state, st);
	u64_opt(sec, "uniqueid", &out->uniqueid);
	if (vici_node_u64(sec, "version", false, &v))
		out->version = (int)(v & 0xff);
	ini = vici_node_str(sec, "initiator");
	out->initiator = ini && strcmp(ini, "yes") == 0;
	copy_str(out->local_host, sizeof out->local_host, vici_node_str(sec, "local-host"));
	copy_str(out->remote_host, sizeof out->remote_host, vici_node_str(sec, "remote-host"));
	if (vici_node_u64(sec, "local-port", false, &v) && v <= 0xffff)
		out->local_port = (uint16_t)v;
	if (vici_node_u64(sec, "remote-port", false, &v) && v <= 0xffff)
		out->remote_port = (uint16_t)v;
	alg(enc, sizeof enc, sec, "encr-alg", "encr-keysize");
	alg(integ, sizeof integ, sec, "integ-alg", "integ-keysize");
	prf = vici_node_str(sec, "prf-alg");
	dh = vici_node_str(sec, "dh-group");
	if (enc[0])
		snprintf(out->proposal, sizeof out->proposal, "IKE:%s%s%s%s%s%s%s", enc,
		         integ[0] ? "/" : "", integ, prf ? "/" : "", prf ? prf : "", dh ? "/" : "",
		         dh ? dh : "");
	u64_opt(sec, "established", &out->established);
	u64_opt(sec, "rekey-time", &out->rekey_time);
	u64_opt(sec, "reauth-time", &out->reauth_time);
	children = vici_node_get(sec, "child-sas");
	if (children && children->kind == VICI_NODE_SECTION) {
		for (const struct vici_node *n = children->child; n; n = n->next) {
			const struct vici_node *c = n, *nw = vici_node_get(n, "new");
			int rc;

			if (n->kind != VICI_NODE_SECTION)
				continue;
			/* child-rekey events nest { old { ... } new { ... } }: the new one counts */
			if (!vici_node_get(n, "state") && nw && nw->kind == VICI_NODE_SECTION)
				c = nw;
			out->nchild_all++;
			if (out->nchild == VICI_SA_CHILDREN)
				continue;
			rc = child_parse(c, &out->child[out->nchild], err, errlen);
			if (rc)
				return rc;
			out->nchild++;
		}
	}
	return 0;
}
