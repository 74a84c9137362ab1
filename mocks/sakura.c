/*
 * sakura.c: the mock's store and the router state machine (Availability and Instance.Status
 * derived from lab timestamps), the gateway hooks and the VPN log.
 */
#include "mocks/sakura_int.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 2025-01-01T00:00:00+09:00 */
#define SAKURA_DEFAULT_EPOCH 1735657200LL

void sakura_config_default(struct sakura_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->api_prefix = "/cloud/zone";
	cfg->vpnlab_prefix = "/_vpnlab/sakura";
	cfg->zones = "tk1a,tk1b,is1a,is1b,is1c,tk1v";
	cfg->token = "vpnlab-token";
	cfg->secret = "vpnlab-secret";
	cfg->max_body = SAKURA_MAX_BODY;
	cfg->create_delay = lab_sec(2);
	cfg->boot_delay = lab_sec(2);
	cfg->stop_delay = lab_sec(2);
	cfg->force_stop_delay = lab_ms(500);
	cfg->migrate_delay = lab_sec(3);
	cfg->epoch_unix = SAKURA_DEFAULT_EPOCH;
	cfg->shared_net = 0xcb007100u;         /* 203.0.113.0 (RFC 5737) */
	cfg->shared_masklen = 24;
}

static int dup_str(char **dst, const char *src, const char *dflt)
{
	*dst = strdup(src ? src : dflt);
	return *dst ? 0 : -ENOMEM;
}

static void strip_slash(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
}

static int zones_parse(struct sakura_mock *m)
{
	const char *p = m->s_zones;

	m->nzones = 0;
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n >= sizeof m->zone[0] || m->nzones == sizeof m->zone / sizeof m->zone[0])
			return -EINVAL;
		memcpy(m->zone[m->nzones], p, n);
		m->zone[m->nzones][n] = '\0';
		m->nzones++;
		p += n;
		if (*p == ',')
			p++;
	}
	return m->nzones ? 0 : -EINVAL;
}

int sakura_mock_new(struct sakura_mock **out, const struct sakura_config *cfg,
                    const struct drbg *drbg)
{
	struct sakura_mock *m;
	int rc = -ENOMEM;

	*out = NULL;
	if (!cfg || !drbg || !cfg->token || !cfg->secret || cfg->shared_masklen < 8 ||
	    cfg->shared_masklen > 29)
		return -EINVAL;
	m = calloc(1, sizeof *m);
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	if (dup_str(&m->s_api_prefix, cfg->api_prefix, "/cloud/zone") ||
	    dup_str(&m->s_vpnlab_prefix, cfg->vpnlab_prefix, "/_vpnlab/sakura") ||
	    dup_str(&m->s_zones, cfg->zones, "tk1a,tk1b,is1a,is1b,is1c,tk1v") ||
	    dup_str(&m->s_token, cfg->token, "") || dup_str(&m->s_secret, cfg->secret, ""))
		goto fail;
	strip_slash(m->s_api_prefix);
	strip_slash(m->s_vpnlab_prefix);
	m->cfg.api_prefix = m->s_api_prefix;
	m->cfg.vpnlab_prefix = m->s_vpnlab_prefix;
	m->cfg.zones = m->s_zones;
	m->cfg.token = m->s_token;
	m->cfg.secret = m->s_secret;
	if (!m->cfg.max_body)
		m->cfg.max_body = SAKURA_MAX_BODY;
	rc = zones_parse(m);
	if (rc)
		goto fail;
	drbg_derive(&m->drbg, drbg, "mocks/sakura");
	m->next_host = 11;
	m->shared_switch_id = sakura_id_new(m);
	*out = m;
	return 0;
fail:
	sakura_mock_free(m);
	return rc;
}

/* Secrets the settings carry (S2S and L2TP pre-shared keys, remote-access passwords). */
static bool secret_key(const char *key)
{
	return !strcmp(key, "PreSharedSecret") || !strcmp(key, "Password");
}

void sakura_json_wipe_secrets(json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	/* only a tree nobody else holds: wiping a shared string would corrupt the other */
	if (!v || v->refcount != 1)
		return;
	if (json_is_object(v)) {
		json_object_foreach(v, key, x) {
			if (secret_key(key) && json_is_string(x) && x->refcount == 1)
				OPENSSL_cleanse((char *)json_string_value(x), json_string_length(x));
			else
				sakura_json_wipe_secrets(x);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			sakura_json_wipe_secrets(x);
	}
}

void sakura_json_drop(json_t *v)
{
	sakura_json_wipe_secrets(v);
	json_decref(v);
}

void sakura_router_free(struct sakura_router *r)
{
	if (!r)
		return;
	sakura_json_drop(r->doc);
	sakura_json_drop(r->running);
	for (size_t i = 0; i < r->nlog; i++)
		free(r->log[(r->log_head + i) % SAKURA_MAX_LOG]);
	free(r);
}

void sakura_mock_free(struct sakura_mock *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nrouters; i++)
		sakura_router_free(m->routers[i]);
	free(m->routers);
	free(m->s_api_prefix);
	free(m->s_vpnlab_prefix);
	free(m->s_zones);
	if (m->s_token)
		OPENSSL_cleanse(m->s_token, strlen(m->s_token));
	if (m->s_secret)
		OPENSSL_cleanse(m->s_secret, strlen(m->s_secret));
	free(m->s_token);
	free(m->s_secret);
	drbg_wipe(&m->drbg);
	free(m);
}

void sakura_mock_attach_gateway(struct sakura_mock *m, const struct sakura_gateway *gw)
{
	if (gw) {
		m->gw = *gw;
		m->have_gw = true;
	} else {
		memset(&m->gw, 0, sizeof m->gw);
		m->have_gw = false;
	}
}

lab_ns sakura_now(const struct sakura_mock *m)
{
	if (m->folding)
		return m->fold_at;
	return m->cfg.now ? m->cfg.now(m->cfg.now_ctx) : 0;
}

void sakura_logf(const struct sakura_mock *m, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!m->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	m->cfg.log(m->cfg.log_ctx, line);
}

bool sakura_zone_valid(const struct sakura_mock *m, const char *zone, size_t len)
{
	for (size_t i = 0; i < m->nzones; i++)
		if (strlen(m->zone[i]) == len && !memcmp(m->zone[i], zone, len))
			return true;
	return false;
}

uint64_t sakura_id_new(struct sakura_mock *m)
{
	for (;;) {
		/* 12 digits, as real IDs (notes §3.1) */
		uint64_t id = 100000000000ull + drbg_uniform(&m->drbg, 900000000000ull);
		bool taken = id == m->shared_switch_id;

		for (size_t i = 0; i < m->nrouters && !taken; i++)
			taken = m->routers[i]->id == id;
		if (!taken)
			return id;
	}
}

void sakura_serial_new(struct sakura_mock *m, char out[33])
{
	uint8_t b[16];

	drbg_bytes(&m->drbg, b, sizeof b);
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static time_t jst_seconds(const struct sakura_mock *m, lab_ns t)
{
	return (time_t)(m->cfg.epoch_unix + t / LAB_NS_PER_SEC + 9 * 3600);
}

void sakura_time_format(const struct sakura_mock *m, lab_ns t, char *buf, size_t len)
{
	time_t s = jst_seconds(m, t);
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S+09:00", &tm);
}

int sakura_settings_hash(const json_t *settings, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char *text = json_dumps(settings, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	int rc = -ENOMEM;

	if (!text)
		return rc;
	rc = EVP_Digest(text, strlen(text), md, &mdlen, EVP_md5(), NULL) == 1 && mdlen == 16 ?
	     0 : -EIO;
	if (!rc)
		for (unsigned i = 0; i < 16; i++)
			snprintf(out + 2 * i, 3, "%02x", md[i]);
	free(text);
	return rc;
}

struct sakura_router *sakura_router_find(const struct sakura_mock *m, const char *zone,
                                         uint64_t id)
{
	for (size_t i = 0; i < m->nrouters; i++)
		if (m->routers[i]->id == id && (!zone || !strcmp(m->routers[i]->zone, zone)))
			return m->routers[i];
	return NULL;
}

struct sakura_router *sakura_router_new(struct sakura_mock *m, const char *zone)
{
	struct sakura_router *r;

	if (m->nrouters == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct sakura_router **v = realloc(m->routers, cap * sizeof *v);

		if (!v)
			return NULL;
		m->routers = v;
		m->cap = cap;
	}
	r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	snprintf(r->zone, sizeof r->zone, "%s", zone);
	r->id = sakura_id_new(m);
	m->routers[m->nrouters++] = r;
	return r;
}

void sakura_router_remove(struct sakura_mock *m, struct sakura_router *r)
{
	for (size_t i = 0; i < m->nrouters; i++)
		if (m->routers[i] == r) {
			memmove(m->routers + i, m->routers + i + 1,
			        (m->nrouters - i - 1) * sizeof *m->routers);
			m->nrouters--;
			break;
		}
	sakura_router_free(r);
}

size_t sakura_mock_count(const struct sakura_mock *m)
{
	return m->nrouters;
}

uint64_t sakura_mock_id_at(const struct sakura_mock *m, size_t i)
{
	return i < m->nrouters ? m->routers[i]->id : 0;
}

const char *sakura_power_name(enum sakura_power p)
{
	switch (p) {
	case SAKURA_POWER_DOWN:     return "down";
	case SAKURA_POWER_BOOTING:  return "booting";
	case SAKURA_POWER_UP:       return "up";
	case SAKURA_POWER_CLEANING: return "cleaning";
	}
	return "?";
}

/* Instance.Status on the wire: booting shows "down" until it is up (notes §6). */
const char *sakura_status_text(enum sakura_power p)
{
	return p == SAKURA_POWER_BOOTING ? "down" : sakura_power_name(p);
}

static const char *avail_name(enum sakura_avail a)
{
	return a == SAKURA_AVAIL_MIGRATING ? "migrating" : "available";
}

/* The one transition function for Instance.Status. */
void sakura_power_set(struct sakura_mock *m, struct sakura_router *r, enum sakura_power to,
                      lab_ns until)
{
	lab_ns now = sakura_now(m);

	if (r->power != to)
		sakura_logf(m, "sakura: appliance %llu: power %s -> %s",
		            (unsigned long long)r->id, sakura_power_name(r->power),
		            sakura_power_name(to));
	if (strcmp(sakura_status_text(r->power), sakura_status_text(to)))
		r->status_changed = now;
	r->power = to;
	r->power_until = until;
}

/* The one transition function for Availability. */
void sakura_avail_set(struct sakura_mock *m, struct sakura_router *r, enum sakura_avail to,
                      lab_ns until)
{
	if (r->avail != to)
		sakura_logf(m, "sakura: appliance %llu: availability %s -> %s",
		            (unsigned long long)r->id, avail_name(r->avail), avail_name(to));
	r->avail = to;
	r->avail_until = until;
}

void sakura_router_log_push(struct sakura_router *r, char *line)
{
	if (r->nlog == SAKURA_MAX_LOG) {
		free(r->log[r->log_head]);
		r->log[r->log_head] = line;
		r->log_head = (r->log_head + 1) % SAKURA_MAX_LOG;
		return;
	}
	r->log[(r->log_head + r->nlog) % SAKURA_MAX_LOG] = line;
	r->nlog++;
}

/* A syslog line as the router writes it: "Jul 18 13:21:32 rt-112700568505 TEXT" (seeds/002). */
void sakura_router_log(struct sakura_mock *m, struct sakura_router *r, const char *fmt, ...)
{
	char stamp[32], text[768], *line;
	time_t s = jst_seconds(m, sakura_now(m));
	struct tm tm;
	va_list ap;

	gmtime_r(&s, &tm);
	strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (asprintf(&line, "%s rt-%llu %s", stamp, (unsigned long long)r->id, text) < 0)
		return;
	sakura_router_log_push(r, line);
}

int sakura_mock_log_append(struct sakura_mock *m, uint64_t id, const char *line)
{
	struct sakura_router *r = sakura_router_find(m, NULL, id);
	char *copy;

	if (!r)
		return -ENOENT;
	if (strchr(line, '\n') || strlen(line) > 4096)
		return -EINVAL;
	copy = strdup(line);
	if (!copy)
		return -ENOMEM;
	sakura_router_log_push(r, copy);
	return 0;
}

int sakura_mock_peer_set(struct sakura_mock *m, uint64_t id, const char *peer, bool up)
{
	struct sakura_router *r = sakura_router_find(m, NULL, id);

	if (!r)
		return -ENOENT;
	sakura_router_advance(m, r, sakura_now(m));
	for (size_t i = 0; i < r->npeers; i++)
		if (!strcmp(r->peers[i].peer, peer)) {
			if (r->power != SAKURA_POWER_UP || r->stuck)
				return -EAGAIN;
			r->peers[i].up = up;
			return 0;
		}
	return -ENOENT;
}

static void peers_down(struct sakura_router *r)
{
	for (size_t i = 0; i < r->npeers; i++)
		r->peers[i].up = false;
}

static void intent_wipe(struct sakura_intent *in)
{
	OPENSSL_cleanse(in, sizeof *in);
}

static void log_config_lines(struct sakura_mock *m, struct sakura_router *r,
                             const struct sakura_intent *in)
{
	char prop[64];

	if (in->version == 1)
		/* v1 negotiates its fixed set whatever the settings say (PROFILES.md) */
		snprintf(prop, sizeof prop, "%s-%s (version 1 firmware set)", in->encryption,
		         in->hash);
	else
		snprintf(prop, sizeof prop, "%s-%s-%s", in->encryption, in->hash, in->dh_group);
	if (!in->enabled) {
		sakura_router_log(m, r, "charon: 00[CFG] vpnlab: site-to-site VPN disabled");
		return;
	}
	if (!in->npeers) {
		sakura_router_log(m, r, "charon: 00[CFG] vpnlab: no site-to-site VPN peers "
		                  "configured");
		return;
	}
	for (size_t i = 0; i < in->npeers; i++) {
		const struct sakura_peer_intent *p = &in->peers[i];

		sakura_router_log(m, r, "charon: 00[CFG] added configuration 'peer-%s-tunnel-vti'",
		                  p->peer);
		sakura_router_log(m, r,
		                  "charon: 00[CFG] peer-%s-tunnel-vti: %s...%s remote id %s, "
		                  "proposal %s, ikelifetime %us, lifetime %us, dpd %us/%us, "
		                  "local %s%s, remote %s%s",
		                  p->peer, in->global_ip, p->peer, p->remote_id, prop,
		                  in->ike_lifetime, in->esp_lifetime, in->dpd_interval,
		                  in->dpd_timeout, p->nlocal ? p->local_prefix[0] : "-",
		                  p->nlocal > 1 ? ",..." : "", p->nroutes ? p->routes[0] : "-",
		                  p->nroutes > 1 ? ",..." : "");
	}
}

void sakura_router_apply(struct sakura_mock *m, struct sakura_router *r,
                         enum sakura_apply_reason why)
{
	json_t *router = json_object_get(json_object_get(r->doc, "Settings"), "Router");
	struct sakura_intent *in;

	if (why != SAKURA_APPLY_RECONNECT) {
		json_t *copy = router ? json_deep_copy(router) : json_object();

		if (copy) {
			sakura_json_drop(r->running);
			r->running = copy;
		}
	}
	in = calloc(1, sizeof *in);
	if (!in)
		return;
	sakura_intent_build(m, r, in);
	/* a disabled VPN has no peers to report */
	r->npeers = in->enabled ? in->npeers : 0;
	for (size_t i = 0; i < r->npeers; i++) {
		memcpy(r->peers[i].peer, in->peers[i].peer, sizeof r->peers[i].peer);
		r->peers[i].up = false;
	}
	if (!r->stuck) {
		if (why == SAKURA_APPLY_RECONNECT)
			sakura_router_log(m, r, "charon: 00[CFG] vpnlab: VPN reconnect: "
			                  "all site-to-site SAs restarted");
		else
			log_config_lines(m, r, in);
	}
	if (m->have_gw && m->gw.applied)
		m->gw.applied(m->gw.ctx, in, why);
	intent_wipe(in);
	free(in);
}

/* A graceful stop begins: the router's charon gets SIGTERM and closes its SAs. */
void sakura_router_stopping(struct sakura_mock *m, struct sakura_router *r)
{
	peers_down(r);
	if (!r->stuck)
		sakura_router_log(m, r, "charon: 00[DMN] SIGTERM received, shutting down");
	if (m->have_gw && m->gw.stopping)
		m->gw.stopping(m->gw.ctx, r->id);
}

/* The power is gone: off the network. */
void sakura_router_cut(struct sakura_mock *m, struct sakura_router *r)
{
	peers_down(r);
	if (m->have_gw && m->gw.powered_off)
		m->gw.powered_off(m->gw.ctx, r->id);
}

/* Fold every transition due at now, in time order: a migration ends before the reboot it
 * holds back. */
void sakura_router_advance(struct sakura_mock *m, struct sakura_router *r, lab_ns now)
{
	for (;;) {
		if (r->avail == SAKURA_AVAIL_MIGRATING && now >= r->avail_until) {
			m->folding = true;
			m->fold_at = r->avail_until;
			if (r->migrating_v2) {
				r->migrating_v2 = false;
				r->version = 2;
				json_object_set_new(json_object_get(json_object_get(r->doc, "Remark"),
				                                    "Router"),
				                    "VPCRouterVersion", json_integer(2));
				if (m->cfg.stuck_migration) {
					r->stuck = true;
					r->repaired = false;
					sakura_logf(m, "sakura: appliance %llu: migration left the "
					            "router stuck (no VPN, no logs) until power off, "
					            "config import, power on",
					            (unsigned long long)r->id);
				}
			}
			sakura_avail_set(m, r, SAKURA_AVAIL_AVAILABLE, LAB_NEVER);
		} else if (r->power == SAKURA_POWER_BOOTING && r->avail == SAKURA_AVAIL_AVAILABLE &&
		           now >= r->power_until) {
			m->folding = true;
			m->fold_at = r->power_until;
			if (r->stuck && r->repaired) {
				r->stuck = false;
				r->repaired = false;
				sakura_logf(m, "sakura: appliance %llu: imported config repaired "
				            "the stuck router", (unsigned long long)r->id);
			}
			sakura_power_set(m, r, SAKURA_POWER_UP, LAB_NEVER);
			sakura_router_apply(m, r, SAKURA_APPLY_BOOT);
		} else if (r->power == SAKURA_POWER_CLEANING && now >= r->power_until) {
			m->folding = true;
			m->fold_at = r->power_until;
			sakura_power_set(m, r, SAKURA_POWER_DOWN, LAB_NEVER);
			sakura_router_cut(m, r);
		} else {
			break;
		}
		m->folding = false;
	}
}

void sakura_mock_advance(struct sakura_mock *m)
{
	lab_ns now = sakura_now(m);

	for (size_t i = 0; i < m->nrouters; i++)
		sakura_router_advance(m, m->routers[i], now);
}

lab_ns sakura_mock_next_deadline(struct sakura_mock *m)
{
	lab_ns next = LAB_NEVER;

	for (size_t i = 0; i < m->nrouters; i++) {
		const struct sakura_router *r = m->routers[i];

		if (r->avail == SAKURA_AVAIL_MIGRATING && r->avail_until < next)
			next = r->avail_until;
		if ((r->power == SAKURA_POWER_BOOTING || r->power == SAKURA_POWER_CLEANING) &&
		    r->power_until < next)
			next = r->power_until;
	}
	return next;
}
