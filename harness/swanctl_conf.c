/*
 * swanctl_conf.c: gw_config -> VICI load-conn / load-shared messages -> swanctl.conf text,
 * and strongswan.conf. The field-by-field mapping is the table in docs/strongswan-node.md;
 * the facts behind it are strongSwan 5.9.8's swanctl.opt, vici_config.c and the research
 * notes (section 3.3 for lifetimes, 4 for kernel-libipsec).
 */
#include "harness/swanctl_conf.h"
#include "harness/swanctl_int.h"

#include "peers/ike/isakmp.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The plugins charon needs here: crypto for IKEv1 PSK and ESP, kernel-libipsec for userspace
 * ESP (no in-kernel ESP on these machines), vici for control. As lib_strongswan.sh. */
static const char plugins[] = "random nonce openssl aes sha1 sha2 md5 hmac gmp kdf drbg pem "
                              "pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici";

/* ---- a text buffer that wipes what it drops (it holds pre-shared keys) ---- */

struct tbuf {
	char *p;
	size_t len, cap;
	int err;
};

static void tb_putn(struct tbuf *t, const char *s, size_t n)
{
	if (t->err)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 1024;
		char *q;

		while (cap < t->len + n + 1)
			cap *= 2;
		q = malloc(cap);
		if (!q) {
			t->err = -ENOMEM;
			return;
		}
		if (t->p) {
			memcpy(q, t->p, t->len);
			explicit_bzero(t->p, t->cap);
			free(t->p);
		}
		t->p = q;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void tb_puts(struct tbuf *t, const char *s)
{
	tb_putn(t, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void tb_printf(struct tbuf *t, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof line) {
		t->err = t->err ? t->err : -EINVAL;
		return;
	}
	tb_putn(t, line, (size_t)n);
	explicit_bzero(line, sizeof line);
}

static void tb_indent(struct tbuf *t, int depth)
{
	for (int i = 0; i < depth; i++)
		tb_puts(t, "    ");
}

static void tb_free(struct tbuf *t)
{
	if (t->p) {
		explicit_bzero(t->p, t->cap);
		free(t->p);
	}
	memset(t, 0, sizeof *t);
}

void swanctl_text_free(char *text)
{
	if (text) {
		explicit_bzero(text, strlen(text));
		free(text);
	}
}

/* ---- values ---- */

/* Characters that need no quotes in a swanctl.conf value (the lexer's unquoted-value rule
 * stops at whitespace, '#', '}', '"', '\\'; ',' separates list items). */
static bool bare_char(unsigned char c)
{
	return isalnum(c) || strchr("._-:/%@+*|=", c);
}

static bool bare_ok(const uint8_t *v, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!bare_char(v[i]))
			return false;
	return true;
}

/* A quoted string: inside quotes the settings lexer (settings_lexer.l) takes \" \\ \n \t as
 * escapes and drops a bare \r, so \r and the other control bytes cannot be written. */
static int put_quoted(struct tbuf *t, const uint8_t *v, size_t n)
{
	tb_puts(t, "\"");
	for (size_t i = 0; i < n; i++) {
		char e[3] = { '\\', 0, 0 };

		switch (v[i]) {
		case '"': case '\\': e[1] = (char)v[i]; tb_puts(t, e); break;
		case '\n': tb_puts(t, "\\n"); break;
		case '\t': tb_puts(t, "\\t"); break;
		default:
			if (v[i] < 0x20 || v[i] == 0x7f)
				return -EINVAL;
			tb_putn(t, (const char *)&v[i], 1);
		}
	}
	tb_puts(t, "\"");
	return 0;
}

static int put_value(struct tbuf *t, const uint8_t *v, size_t n)
{
	if (bare_ok(v, n)) {
		tb_putn(t, (const char *)v, n);
		return 0;
	}
	return put_quoted(t, v, n);
}

/* ---- messages ---- */

int swanctl_conn_msg(const struct gw_config *cfg, size_t i, struct vici_buf *m, char *err,
                     size_t errlen)
{
	const struct gw_conn *c = &cfg->conns[i];
	const struct ike_policy *p = &c->ike;
	static const char *const dpd_action[] = { "clear", "trap", "restart" };
	struct lifetimes l;
	char t[160], why[128];
	int rc;

	if (i >= cfg->nconns)
		FAIL("conns[%zu]: no such connection", i);
	swanctl_lifetimes(p, &l);
	vici_buf_section_begin(m, c->name);
	vici_buf_kv_str(m, "version", "1");
	swanctl_addr_text(&p->local, t, sizeof t);
	vici_buf_list_begin(m, "local_addrs");
	vici_buf_list_item_str(m, t);
	vici_buf_list_end(m);
	swanctl_addr_text(&p->remote, t, sizeof t);
	vici_buf_list_begin(m, "remote_addrs");
	vici_buf_list_item_str(m, t);
	vici_buf_list_end(m);
	vici_buf_list_begin(m, "proposals");
	for (int k = 0; k < p->nike; k++) {
		ike_prop_format(&p->ike[k], t, sizeof t);
		vici_buf_list_item_str(m, t);
	}
	vici_buf_list_end(m);
	vici_buf_kv_str(m, "rekey_time", "0s");
	snprintf(t, sizeof t, "%" PRIu64 "s", l.ike_reauth);
	vici_buf_kv_str(m, "reauth_time", t);
	snprintf(t, sizeof t, "%" PRIu64 "s", l.ike_over);
	vici_buf_kv_str(m, "over_time", t);
	snprintf(t, sizeof t, "%" PRIu64 "s", l.ike_rand);
	vici_buf_kv_str(m, "rand_time", t);
	if (p->dpd == IKE_DPD_IDLE || p->dpd == IKE_DPD_ALWAYS) {
		snprintf(t, sizeof t, "%llds", (long long)(swanctl_dpd_delay(p) / LAB_NS_PER_SEC));
		vici_buf_kv_str(m, "dpd_delay", t);
		if (p->dpd_timeout > 0) {
			snprintf(t, sizeof t, "%llds", (long long)(p->dpd_timeout / LAB_NS_PER_SEC));
			vici_buf_kv_str(m, "dpd_timeout", t);
		}
	} else {
		vici_buf_kv_str(m, "dpd_delay", "0s");
	}
	vici_buf_kv_str(m, "encap", p->force_encap ? "yes" : "no");
	vici_buf_kv_str(m, "unique", p->unique_on_initial_contact ? "no" : "never");
	/* always up: keep retransmitting the first main mode until the peer answers (0 =
	 * without end; a permanent error such as NO_PROPOSAL_CHOSEN still ends it) */
	if (c->always_up)
		vici_buf_kv_str(m, "keyingtries", "0");

	vici_buf_section_begin(m, "local");
	vici_buf_kv_str(m, "auth", "psk");
	rc = swanctl_id_text(p->local_id_type, p->local_id, p->local_id_len, &p->local, true, t, sizeof t,
	             why, sizeof why);
	if (rc)
		FAIL("conns[%zu].ike.local_id: %s", i, why);
	vici_buf_kv_str(m, "id", t);
	vici_buf_section_end(m);
	vici_buf_section_begin(m, "remote");
	vici_buf_kv_str(m, "auth", "psk");
	rc = swanctl_id_text(p->remote_id_type, p->remote_id, p->remote_id_len, &p->remote, false, t,
	             sizeof t, why, sizeof why);
	if (rc)
		FAIL("conns[%zu].ike.remote_id: %s", i, why);
	vici_buf_kv_str(m, "id", t);
	vici_buf_section_end(m);

	vici_buf_section_begin(m, "children");
	vici_buf_section_begin(m, c->name);
	if (swanctl_net_text(&p->local_ts, t, sizeof t))
		FAIL("conns[%zu].ike.local_ts: not a subnet", i);
	vici_buf_list_begin(m, "local_ts");
	vici_buf_list_item_str(m, t);
	vici_buf_list_end(m);
	if (swanctl_net_text(&p->remote_ts, t, sizeof t))
		FAIL("conns[%zu].ike.remote_ts: not a subnet", i);
	vici_buf_list_begin(m, "remote_ts");
	vici_buf_list_item_str(m, t);
	vici_buf_list_end(m);
	vici_buf_list_begin(m, "esp_proposals");
	for (int k = 0; k < p->nesp; k++) {
		ike_prop_format(&p->esp[k], t, sizeof t);
		vici_buf_list_item_str(m, t);
	}
	vici_buf_list_end(m);
	snprintf(t, sizeof t, "%" PRIu64 "s", l.child_life);
	vici_buf_kv_str(m, "life_time", t);
	snprintf(t, sizeof t, "%" PRIu64 "s", l.child_rekey);
	vici_buf_kv_str(m, "rekey_time", t);
	snprintf(t, sizeof t, "%" PRIu64 "s", l.child_rand);
	vici_buf_kv_str(m, "rand_time", t);
	if (p->esp_lifebytes) {
		vici_buf_kv_u64(m, "life_bytes", p->esp_lifebytes);
		vici_buf_kv_u64(m, "rekey_bytes", p->esp_lifebytes - p->esp_lifebytes / 10);
	}
	vici_buf_kv_str(m, "dpd_action", dpd_action[p->dpd_action <= IKE_DPD_RESTART ?
	                                            p->dpd_action : 0]);
	vici_buf_kv_str(m, "start_action", p->initiator || c->always_up ? "start" : "none");
	vici_buf_kv_str(m, "close_action", c->always_up ? "start" : "none");
	vici_buf_section_end(m);
	vici_buf_section_end(m);
	vici_buf_section_end(m);
	rc = vici_buf_error(m);
	if (rc)
		FAIL("conns[%zu]: load-conn message: %s", i, m->errmsg[0] ? m->errmsg : "unbalanced");
	return 0;
}

int swanctl_secret_msg(const struct gw_config *cfg, size_t i, struct vici_buf *m, char *err,
                       size_t errlen)
{
	const struct ike_policy *p;
	char t[160], why[128];

	if (i >= cfg->nconns)
		FAIL("conns[%zu]: no such connection", i);
	p = &cfg->conns[i].ike;
	snprintf(t, sizeof t, "ike-%s", cfg->conns[i].name);
	vici_buf_kv_str(m, "id", t);
	vici_buf_kv_str(m, "type", "IKE");
	vici_buf_kv(m, "data", p->psk, p->psk_len);
	vici_buf_list_begin(m, "owners");
	if (swanctl_id_text(p->local_id_type, p->local_id, p->local_id_len, &p->local, true, t, sizeof t,
	            why, sizeof why))
		FAIL("conns[%zu].ike.local_id: %s", i, why);
	vici_buf_list_item_str(m, t);
	/* %any as an owner would match nothing better than no owner: leave it out */
	if (swanctl_id_text(p->remote_id_type, p->remote_id, p->remote_id_len, &p->remote, false, t,
	            sizeof t, why, sizeof why))
		FAIL("conns[%zu].ike.remote_id: %s", i, why);
	if (strcmp(t, "%any") != 0)
		vici_buf_list_item_str(m, t);
	vici_buf_list_end(m);
	if (vici_buf_error(m))
		FAIL("conns[%zu]: load-shared message: %s", i, m->errmsg);
	return 0;
}

/* ---- swanctl.conf text ---- */

static int render_section(struct tbuf *t, const struct vici_node *sec, int depth, char *err,
                          size_t errlen)
{
	for (const struct vici_node *n = sec->child; n; n = n->next) {
		int rc;

		tb_indent(t, depth);
		switch (n->kind) {
		case VICI_NODE_SECTION:
			tb_printf(t, "%s {\n", n->name);
			rc = render_section(t, n, depth + 1, err, errlen);
			if (rc)
				return rc;
			tb_indent(t, depth);
			tb_puts(t, "}\n");
			break;
		case VICI_NODE_KV:
			tb_printf(t, "%s = ", n->name);
			if (put_value(t, n->value, n->vlen))
				FAIL("swanctl.conf: %s: a control character cannot be written", n->name);
			tb_puts(t, "\n");
			break;
		case VICI_NODE_LIST:
			tb_printf(t, "%s = ", n->name);
			/* swanctl splits list values at commas after lexing, so items must be bare */
			for (const struct vici_node *it = n->child; it; it = it->next) {
				if (!bare_ok(it->value, it->vlen))
					FAIL("swanctl.conf: %s: item '%s' cannot be written in a list",
					     n->name, (const char *)it->value);
				tb_printf(t, "%s%s", (const char *)it->value, it->next ? ", " : "");
			}
			tb_puts(t, "\n");
			break;
		case VICI_NODE_ITEM:
			break;
		}
	}
	return 0;
}

/* The secret: a quoted string when swanctl reads it back unchanged, else 0x-hex (swanctl
 * decodes a value starting with 0x/0s, case-insensitive, as hex/base64; load_creds.c). */
static void put_secret(struct tbuf *t, const uint8_t *s, size_t n)
{
	bool text = !(n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X' || s[1] == 's' ||
	                                      s[1] == 'S'));

	for (size_t i = 0; i < n && text; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			text = false;
	if (text) {
		put_quoted(t, s, n);
		return;
	}
	tb_puts(t, "0x");
	for (size_t i = 0; i < n; i++) {
		char h[3];

		snprintf(h, sizeof h, "%02x", s[i]);
		tb_puts(t, h);
		explicit_bzero(h, sizeof h);
	}
}

int swanctl_conf_render(const struct gw_config *cfg, char **text, char *err, size_t errlen)
{
	struct swanctl_notes notes;
	struct tbuf t = { 0 };
	int rc;

	*text = NULL;
	rc = swanctl_conf_check(cfg, &notes, err, errlen);
	if (rc)
		return rc;
	tb_puts(&t, "# swanctl.conf written by vpnlab from the gateway's configuration.\n");
	for (const char *l = notes.text; *l;) {
		const char *e = strchr(l, '\n');
		size_t n = e ? (size_t)(e - l) : strlen(l);

		tb_puts(&t, "# note: ");
		tb_putn(&t, l, n);
		tb_puts(&t, "\n");
		l += n + (e ? 1 : 0);
	}
	tb_puts(&t, "connections {\n");
	for (size_t i = 0; i < cfg->nconns; i++) {
		struct vici_buf m;
		struct vici_node *root = NULL;

		if (!cfg->conns[i].enabled)
			continue;
		vici_buf_init(&m);
		rc = swanctl_conn_msg(cfg, i, &m, err, errlen);
		if (!rc)
			rc = vici_tree_parse(m.data, m.len, &root, err, errlen);
		if (!rc)
			rc = render_section(&t, root, 1, err, errlen);
		vici_tree_free(root);
		vici_buf_free(&m);
		if (rc)
			goto out;
	}
	tb_puts(&t, "}\nsecrets {\n");
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct ike_policy *p = &cfg->conns[i].ike;
		char id[160], why[128];

		if (!cfg->conns[i].enabled)
			continue;
		tb_printf(&t, "    ike-%s {\n", cfg->conns[i].name);
		swanctl_id_text(p->local_id_type, p->local_id, p->local_id_len, &p->local, true, id,
		        sizeof id, why, sizeof why);
		tb_puts(&t, "        id-local = ");
		put_value(&t, (const uint8_t *)id, strlen(id));
		tb_puts(&t, "\n");
		swanctl_id_text(p->remote_id_type, p->remote_id, p->remote_id_len, &p->remote, false, id,
		        sizeof id, why, sizeof why);
		if (strcmp(id, "%any") != 0) {
			tb_puts(&t, "        id-remote = ");
			put_value(&t, (const uint8_t *)id, strlen(id));
			tb_puts(&t, "\n");
		}
		tb_puts(&t, "        secret = ");
		put_secret(&t, p->psk, p->psk_len);
		tb_puts(&t, "\n    }\n");
	}
	tb_puts(&t, "}\n");
	rc = t.err;
	if (rc)
		snprintf(err, errlen, "swanctl.conf: out of memory");
out:
	if (rc) {
		tb_free(&t);
		return rc;
	}
	*text = t.p;
	return 0;
}

int swanctl_strongswan_conf_render(const struct gw_config *cfg, const struct swanctl_paths *paths,
                                   char **text, char *err, size_t errlen)
{
	const struct ike_policy *p = &cfg->conns[0].ike;
	struct tbuf t = { 0 };
	lab_ns rt;
	int rc = 0;

	*text = NULL;
	if (cfg->nconns == 0)
		FAIL("conns: no connection");
	rt = p->retransmit_base > 0 ? p->retransmit_base : lab_sec(4);
	tb_puts(&t, "# strongswan.conf written by vpnlab: charon with kernel-libipsec, controlled "
	            "over VICI.\ncharon {\n");
	tb_printf(&t, "    load = %s\n", plugins);
	tb_puts(&t, "    filelog {\n        log {\n            path = ");
	if (put_value(&t, (const uint8_t *)paths->log, strlen(paths->log)))
		rc = -EINVAL;
	tb_puts(&t, "\n            time_format = %b %e %T\n            default = 1\n"
	            "            ike = 2\n            cfg = 2\n            knl = 1\n"
	            "            flush_line = yes\n            append = no\n        }\n    }\n");
	tb_puts(&t, "    plugins {\n        vici {\n            socket = ");
	tb_puts(&t, "\"unix://");
	for (const char *s = paths->vici_socket; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == '"' || *s == '\\')
			rc = -EINVAL;
		tb_putn(&t, s, 1);
	}
	tb_puts(&t, "\"\n        }\n    }\n");
	tb_puts(&t, "    install_routes = yes\n");
	tb_printf(&t, "    retransmit_tries = %d\n",
	          p->retransmit_tries > 0 ? p->retransmit_tries : 5);
	tb_printf(&t, "    retransmit_timeout = %lld.%03lld\n", (long long)(rt / LAB_NS_PER_SEC),
	          (long long)(rt % LAB_NS_PER_SEC / LAB_NS_PER_MS));
	tb_printf(&t, "    prefer_configured_proposals = %s\n",
	          p->select == IKE_SELECT_PEER_ORDER ? "no" : "yes");
	tb_puts(&t, "}\n");
	if (rc) {
		tb_free(&t);
		FAIL("strongswan.conf: a path with a control character, '\"' or '\\'");
	}
	if (t.err) {
		tb_free(&t);
		FAIL("strongswan.conf: out of memory");
	}
	*text = t.p;
	return 0;
}
