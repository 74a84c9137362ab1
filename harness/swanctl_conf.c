/*
 * swanctl_conf.c: gw_config -> VICI load-conn / load-shared messages -> swanctl.conf text,
 * and strongswan.conf. The field-by-field mapping is the table in docs/strongswan-node.md;
 * the facts behind it are strongSwan 5.9.8's swanctl.opt, vici_config.c and the research
 * notes (section 3.3 for lifetimes, 4 for kernel-libipsec).
 */
#include "harness/swanctl_conf.h"

#include "peers/ike/isakmp.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* kernel-libipsec's fixed TUN MTU and replay window (kernel_libipsec_plugin.c TUN_DEFAULT_MTU,
 * libipsec/esp_context.c ESP_DEFAULT_WINDOW_SIZE, 5.9.8): neither is configurable. */
#define LIBIPSEC_MTU    1400
#define LIBIPSEC_WINDOW 128

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

/* ---- notes and errors ---- */

__attribute__((format(printf, 2, 3)))
static void note(struct swanctl_notes *n, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (!n)
		return;
	n->count++;
	if (n->len + 2 >= sizeof n->text)
		return;
	va_start(ap, fmt);
	w = vsnprintf(n->text + n->len, sizeof n->text - n->len - 1, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	n->len += (size_t)w < sizeof n->text - n->len - 1 ? (size_t)w : sizeof n->text - n->len - 2;
	n->text[n->len++] = '\n';
	n->text[n->len] = '\0';
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

/* ---- identities ---- */

/* The swanctl/VICI text of an ISAKMP identity, with strongSwan's type prefixes
 * (identification.c: "fqdn:", "email:", "keyid:") so a name that looks like an address keeps
 * its type. type 0: the endpoint's address for the local side, %any for the remote. */
static int id_text(uint8_t type, const uint8_t *d, size_t len, const struct ike_endpoint *ep,
                   bool local, char *out, size_t outlen, char *why, size_t whylen)
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

static int addr_text(const struct ike_endpoint *e, char *out, size_t len)
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

static int net_text(const struct ike_net *n, char *out, size_t len)
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

struct lifetimes {
	uint64_t ike_reauth, ike_over, ike_rand;        /* seconds */
	uint64_t child_life, child_rekey, child_rand;
};

static lab_ns ike_life(const struct ike_policy *p)
{
	return p->ike_lifetime > 0 ? p->ike_lifetime : lab_sec(8 * 3600);
}

static lab_ns esp_life(const struct ike_policy *p)
{
	return p->esp_lifetime > 0 ? p->esp_lifetime : lab_sec(3600);
}

/*
 * IKEv1 has no IKE rekey in charon: the ISAKMP SA is reauthenticated (a new main mode), and
 * main mode proposes the un-jittered reauth_time + over_time as the SA's lifetime (research
 * notes 3.3). So reauth_time = lifetime - margin and over_time = margin propose exactly the
 * configured lifetime and reauthenticate margin (minus jitter) before it, as the simulated
 * peer does. Quick mode proposes life_time, and rekeys at rekey_time = life - margin.
 */
static void lifetimes(const struct ike_policy *p, struct lifetimes *l)
{
	lab_ns il = ike_life(p), el = esp_life(p);
	lab_ns im = p->rekey_margin > 0 ? p->rekey_margin : il / 10;
	lab_ns em = p->rekey_margin > 0 ? p->rekey_margin : el / 10;

	l->ike_over = (uint64_t)(im / LAB_NS_PER_SEC);
	l->ike_reauth = (uint64_t)(il / LAB_NS_PER_SEC) - l->ike_over;
	l->ike_rand = (uint64_t)(p->rekey_jitter / LAB_NS_PER_SEC);
	l->child_life = (uint64_t)(el / LAB_NS_PER_SEC);
	l->child_rekey = l->child_life - (uint64_t)(em / LAB_NS_PER_SEC);
	l->child_rand = l->ike_rand;
}

/* ---- check ---- */

static bool name_ok(const char *s)
{
	size_t n = strnlen(s, GW_NAME_MAX);

	if (n == 0 || n >= GW_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return false;
	return true;
}

static bool whole_seconds(lab_ns t)
{
	return t >= 0 && t % LAB_NS_PER_SEC == 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -EINVAL; } while (0)

static int check_conn(const struct gw_config *cfg, size_t i, struct swanctl_notes *notes,
                      char *err, size_t errlen)
{
	const struct gw_conn *c = &cfg->conns[i];
	const struct ike_policy *p = &c->ike;
	char pre[64], a[128], why[128];

	snprintf(pre, sizeof pre, "conns[%zu] (%.*s)", i, GW_NAME_MAX, c->name);
	if (!name_ok(c->name))
		FAIL("conns[%zu].name: '%.*s': a charon connection name here is 1 to %d letters, "
		     "digits, '-' or '_'", i, GW_NAME_MAX, c->name, GW_NAME_MAX - 1);
	for (size_t j = 0; j < i; j++)
		if (strcmp(cfg->conns[j].name, c->name) == 0)
			FAIL("%s.name: used twice", pre);
	if (addr_text(&p->local, a, sizeof a) || strcmp(a, "%any") == 0)
		FAIL("%s.ike.local: an IPv4 or IPv6 address is needed", pre);
	if (addr_text(&p->remote, a, sizeof a))
		FAIL("%s.ike.remote: an IPv4 or IPv6 address (or all zeros for any) is needed", pre);
	if ((p->local.port && p->local.port != 500) || (p->remote.port && p->remote.port != 500))
		FAIL("%s.ike.local/remote.port: charon here talks IKE on port 500 (and floats to "
		     "4500) only", pre);
	if (p->psk_len == 0 || p->psk_len > sizeof p->psk)
		FAIL("%s.ike.psk: 1 to %zu bytes needed", pre, sizeof p->psk);
	if (id_text(p->local_id_type, p->local_id, p->local_id_len, &p->local, true, a, sizeof a,
	            why, sizeof why))
		FAIL("%s.ike.local_id: %s", pre, why);
	if (id_text(p->remote_id_type, p->remote_id, p->remote_id_len, &p->remote, false, a,
	            sizeof a, why, sizeof why))
		FAIL("%s.ike.remote_id: %s", pre, why);
	if (p->nike < 1 || p->nike > IKE_MAX_PROPS)
		FAIL("%s.ike.ike: at least one IKE proposal is needed", pre);
	if (p->nesp < 1 || p->nesp > IKE_MAX_PROPS)
		FAIL("%s.ike.esp: at least one ESP proposal is needed", pre);
	for (int k = 0; k < p->nike; k++)
		if (!p->ike[k].group || !ike_modp_len(p->ike[k].group))
			FAIL("%s.ike.ike[%d]: an IKE proposal needs a known MODP group", pre, k);
	if (net_text(&p->local_ts, a, sizeof a))
		FAIL("%s.ike.local_ts: not an IPv4 or IPv6 subnet", pre);
	if (net_text(&p->remote_ts, a, sizeof a))
		FAIL("%s.ike.remote_ts: not an IPv4 or IPv6 subnet", pre);
	if (!whole_seconds(p->ike_lifetime) || !whole_seconds(p->esp_lifetime) ||
	    !whole_seconds(p->rekey_margin) || !whole_seconds(p->rekey_jitter) ||
	    !whole_seconds(p->dpd_delay) || !whole_seconds(p->dpd_timeout))
		FAIL("%s.ike: lifetimes, rekey margin/jitter and DPD times must be whole seconds "
		     "for charon", pre);
	if (ike_life(p) < lab_sec(2) || esp_life(p) < lab_sec(2))
		FAIL("%s.ike.ike_lifetime/esp_lifetime: at least 2 s", pre);
	if (p->rekey_margin >= ike_life(p) || p->rekey_margin >= esp_life(p))
		FAIL("%s.ike.rekey_margin: must be shorter than both lifetimes", pre);
	if (p->rekey_jitter > (p->rekey_margin > 0 ? p->rekey_margin : esp_life(p) / 10))
		FAIL("%s.ike.rekey_jitter: larger than the rekey margin", pre);
	if (p->life_rule != IKE_LIFE_ACCEPT)
		FAIL("%s.ike.life_rule: charon accepts any proposed lifetime and has no setting to "
		     "insist on a shorter or equal one", pre);
	if (p->dpd == IKE_DPD_IDLE || p->dpd == IKE_DPD_ALWAYS) {
		if (p->dpd_delay <= 0)
			FAIL("%s.ike.dpd_delay: DPD is on but has no interval", pre);
		if (p->dpd == IKE_DPD_ALWAYS)
			note(notes, "%s.ike.dpd: charon sends R-U-THERE only after dpd_delay without "
			     "inbound traffic (idle mode), not always", pre);
		if (!p->dpd_needs_peer_vid)
			note(notes, "%s.ike.dpd_needs_peer_vid: charon never sends R-U-THERE to a peer "
			     "that did not send the DPD vendor ID", pre);
	}
	if (!p->send_dpd_vid || !p->send_natt_vid)
		note(notes, "%s.ike.send_dpd_vid/send_natt_vid: charon always sends the DPD and "
		     "NAT-T vendor IDs", pre);
	/* charon sends INITIAL-CONTACT when unique != never and the remote identity has no
	 * wildcard (main_mode.c add_initial_contact; research notes 3.4) */
	if (p->initial_contact != (p->unique_on_initial_contact && p->remote_id_type != 0))
		note(notes, "%s.ike.initial_contact: charon will %s INITIAL-CONTACT: it sends it "
		     "only with unique = no (here: %s) to a remote identity without wildcards "
		     "(here: %s)", pre,
		     p->unique_on_initial_contact && p->remote_id_type ? "send" : "not send",
		     p->unique_on_initial_contact ? "no" : "never",
		     p->remote_id_type ? "a set identity" : "%any");
	if (!p->force_encap)
		note(notes, "%s.ike.force_encap: kernel-libipsec fakes NAT-D anyway, so ESP always "
		     "goes in UDP 4500", pre);
	if (!c->enabled)
		note(notes, "%s.enabled: disabled, not loaded into charon", pre);
	return 0;
}

int swanctl_conf_check(const struct gw_config *cfg, struct swanctl_notes *notes, char *err,
                       size_t errlen)
{
	const struct gw_dataplane *dp = &cfg->dp;
	const struct ike_policy *first = NULL;
	int rc;

	if (notes)
		memset(notes, 0, sizeof *notes);
	if (cfg->nconns == 0 || cfg->nconns > GW_MAX_CONNS)
		FAIL("conns: 1 to %d connections needed", GW_MAX_CONNS);
	if (dp->frag == GW_FRAG_POST)
		FAIL("dp.frag: post-fragmentation is not possible with charon: kernel-libipsec "
		     "fragments inner packets at its %d-byte TUN (pre-fragmentation)", LIBIPSEC_MTU);
	if (dp->tunnel_mtu != 0 && dp->tunnel_mtu != LIBIPSEC_MTU)
		FAIL("dp.tunnel_mtu: %u: kernel-libipsec's TUN MTU is fixed at %d", dp->tunnel_mtu,
		     LIBIPSEC_MTU);
	if (dp->mss_clamp != -1)
		FAIL("dp.mss_clamp: charon does not clamp TCP MSS (clamp it with the node's "
		     "nftables instead)");
	if (dp->lenient_padding)
		FAIL("dp.lenient_padding: kernel-libipsec refuses ESP padding other than 1,2,3,...");
	if (dp->snat_split)
		FAIL("dp.snat_split: charon does no source NAT (use the node's nat step)");
	if (dp->tunnel_mtu == 0)
		note(notes, "dp.tunnel_mtu: 0 asks for 1500, kernel-libipsec's TUN has %d",
		     LIBIPSEC_MTU);
	if (dp->df != ESP_DF_SET)
		note(notes, "dp.df: kernel-libipsec sends ESP through a UDP socket with DF set; "
		     "copy/clear cannot be configured");
	if (dp->replay_window != LIBIPSEC_WINDOW)
		note(notes, "dp.replay_window: %u asked, kernel-libipsec's window is fixed at %d",
		     dp->replay_window, LIBIPSEC_WINDOW);
	if (dp->hairpin)
		note(notes, "dp.hairpin: not a charon setting: tunnel-to-tunnel traffic goes where "
		     "the node's routes and the selectors send it");
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct ike_policy *p = &cfg->conns[i].ike;

		rc = check_conn(cfg, i, notes, err, errlen);
		if (rc)
			return rc;
		if (!first) {
			first = p;
			continue;
		}
		/* global charon options: every connection must agree */
		if (p->select != first->select)
			FAIL("conns[%zu].ike.select: charon's proposal preference "
			     "(prefer_configured_proposals) is one setting for all connections", i);
		if (p->retransmit_base != first->retransmit_base ||
		    p->retransmit_tries != first->retransmit_tries)
			FAIL("conns[%zu].ike.retransmit_base/tries: one charon setting for all "
			     "connections", i);
	}
	return 0;
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
	lifetimes(p, &l);
	vici_buf_section_begin(m, c->name);
	vici_buf_kv_str(m, "version", "1");
	addr_text(&p->local, t, sizeof t);
	vici_buf_list_begin(m, "local_addrs");
	vici_buf_list_item_str(m, t);
	vici_buf_list_end(m);
	addr_text(&p->remote, t, sizeof t);
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
		snprintf(t, sizeof t, "%llds", (long long)(p->dpd_delay / LAB_NS_PER_SEC));
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

	vici_buf_section_begin(m, "local");
	vici_buf_kv_str(m, "auth", "psk");
	rc = id_text(p->local_id_type, p->local_id, p->local_id_len, &p->local, true, t, sizeof t,
	             why, sizeof why);
	if (rc)
		FAIL("conns[%zu].ike.local_id: %s", i, why);
	vici_buf_kv_str(m, "id", t);
	vici_buf_section_end(m);
	vici_buf_section_begin(m, "remote");
	vici_buf_kv_str(m, "auth", "psk");
	rc = id_text(p->remote_id_type, p->remote_id, p->remote_id_len, &p->remote, false, t,
	             sizeof t, why, sizeof why);
	if (rc)
		FAIL("conns[%zu].ike.remote_id: %s", i, why);
	vici_buf_kv_str(m, "id", t);
	vici_buf_section_end(m);

	vici_buf_section_begin(m, "children");
	vici_buf_section_begin(m, c->name);
	if (net_text(&p->local_ts, t, sizeof t))
		FAIL("conns[%zu].ike.local_ts: not a subnet", i);
	vici_buf_list_begin(m, "local_ts");
	vici_buf_list_item_str(m, t);
	vici_buf_list_end(m);
	if (net_text(&p->remote_ts, t, sizeof t))
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
	if (id_text(p->local_id_type, p->local_id, p->local_id_len, &p->local, true, t, sizeof t,
	            why, sizeof why))
		FAIL("conns[%zu].ike.local_id: %s", i, why);
	vici_buf_list_item_str(m, t);
	/* %any as an owner would match nothing better than no owner: leave it out */
	if (id_text(p->remote_id_type, p->remote_id, p->remote_id_len, &p->remote, false, t,
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
		id_text(p->local_id_type, p->local_id, p->local_id_len, &p->local, true, id,
		        sizeof id, why, sizeof why);
		tb_puts(&t, "        id-local = ");
		put_value(&t, (const uint8_t *)id, strlen(id));
		tb_puts(&t, "\n");
		id_text(p->remote_id_type, p->remote_id, p->remote_id_len, &p->remote, false, id,
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
