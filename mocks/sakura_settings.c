/*
 * sakura_settings.c: Settings.Router validation (notes §3.4, §3.5, §5) and the resolved
 * site-to-site intent a gateway gets.
 *
 *   "SiteToSiteIPsecVPN": {
 *     "Config": [{"Peer","RemoteID","PreSharedSecret","Routes":[cidr],"LocalPrefix":[cidr]}],
 *     "IKE": {"Lifetime": s, "DPD": {"Interval": s, "Timeout": s}},
 *     "ESP": {"Lifetime": s},
 *     "EncryptionAlgo": "aes128|aes256", "HashAlgo": "sha1|sha256",
 *     "DHGroup": "modp1024|modp2048|modp3072|modp4096", "Enabled": "True|False" }
 *
 * Where the real limits are UNCONFIRMED (lifetime and DPD ranges, peer count) vpnlab's choice
 * is documented in docs/mock-sakura.md. Messages name the JSON path of the offending value.
 */
#include "mocks/sakura_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Defaults: MAN-S2S (notes §5) for lifetimes and DPD; PROFILES.md for the algorithms. */
#define DEF_IKE_LIFETIME 28800
#define DEF_ESP_LIFETIME 1800
#define DEF_DPD_INTERVAL 15
#define DEF_DPD_TIMEOUT  30

/* vpnlab's ranges (UNCONFIRMED upstream, notes §3.5); 0 means "use the default". */
#define LIFETIME_MIN 60
#define LIFETIME_MAX 86400
#define DPD_MAX      3600

#define PSK_MAX 40

static const char *const enc_values[] = { "aes128", "aes256", NULL };
static const char *const hash_values[] = { "sha1", "sha256", NULL };
static const char *const dh_values[] = { "modp1024", "modp2048", "modp3072", "modp4096", NULL };
static const int dh_numbers[] = { 2, 14, 15, 16 };

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:  return "an object";
	case JSON_ARRAY:   return "an array";
	case JSON_STRING:  return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL:    return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:   return "a JSON boolean";
	case JSON_NULL:    return "null";
	}
	return "?";
}

bool sakura_flag_valid(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && (!strcasecmp(s, "True") || !strcasecmp(s, "False"));
}

bool sakura_flag_true(const json_t *v)
{
	const char *s = json_string_value(v);

	return s && !strcasecmp(s, "True");
}

int sakura_ipv4_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (!s || inet_pton(AF_INET, s, &a) != 1)
		return -EINVAL;
	*out = ntohl(a.s_addr);
	return 0;
}

int sakura_json_id(const json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = strlen(s);
		uint64_t id = 0;

		if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
			return -EINVAL;
		for (size_t i = 0; i < n; i++)
			id = id * 10 + (uint64_t)(s[i] - '0');
		*out = id;
		return id ? 0 : -EINVAL;
	}
	return -EINVAL;
}

static int check_flag(const json_t *v, const char *path, char *err, size_t errlen)
{
	if (sakura_flag_valid(v))
		return 0;
	if (json_is_boolean(v))
		return fail(err, errlen, "%s: got a JSON boolean; flags are the strings \"True\" "
		            "or \"False\"", path);
	return fail(err, errlen, "%s: expected the string \"True\" or \"False\", got %s", path,
	            json_is_string(v) ? json_string_value(v) : type_name(v));
}

/* "a.b.c.d/n" with n 8..32 (MAN-S2S: prefix lengths /8 - /32). */
static int check_cidr(const json_t *v, const char *path, char *err, size_t errlen)
{
	const char *s = json_string_value(v), *slash;
	char addr[16];
	uint32_t a;
	size_t alen, plen;
	unsigned len = 0;

	if (!s)
		return fail(err, errlen, "%s: expected a string \"a.b.c.d/len\", got %s", path,
		            type_name(v));
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : 0;
	plen = slash ? strlen(slash + 1) : 0;
	if (!slash || alen == 0 || alen >= sizeof addr || plen == 0 || plen > 2 ||
	    strspn(slash + 1, "0123456789") != plen)
		return fail(err, errlen, "%s: '%.64s' is not a prefix a.b.c.d/len", path, s);
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (sakura_ipv4_parse(addr, &a))
		return fail(err, errlen, "%s: '%.64s': bad IPv4 address", path, s);
	for (size_t i = 0; i < plen; i++)
		len = len * 10 + (unsigned)(slash[1 + i] - '0');
	if (len < 8 || len > 32)
		return fail(err, errlen, "%s: '%.64s': prefix length /%u, the VPC router allows "
		            "/8 to /32", path, s, len);
	return 0;
}

static int check_prefixes(const json_t *arr, const char *path, char *err, size_t errlen)
{
	char sub[160];
	size_t i;
	json_t *v;

	if (!json_is_array(arr))
		return fail(err, errlen, "%s: expected an array of prefixes, got %s", path,
		            arr ? type_name(arr) : "nothing");
	if (json_array_size(arr) == 0)
		return fail(err, errlen, "%s: at least one prefix is required", path);
	if (json_array_size(arr) > SAKURA_MAX_PREFIXES)
		return fail(err, errlen, "%s: %zu prefixes, vpnlab allows %d", path,
		            json_array_size(arr), SAKURA_MAX_PREFIXES);
	json_array_foreach(arr, i, v) {
		snprintf(sub, sizeof sub, "%s[%zu]", path, i);
		if (check_cidr(v, sub, err, errlen))
			return -EINVAL;
	}
	return 0;
}

/* Older manual note *1: 1-40 characters, letters, digits and '_' (notes §5). */
static int check_psk(const json_t *v, const char *path, char *err, size_t errlen)
{
	const char *s = json_string_value(v);
	size_t n;

	if (!s)
		return fail(err, errlen, "%s: expected a string, got %s", path,
		            v ? type_name(v) : "nothing");
	n = strlen(s);
	if (n < 1 || n > PSK_MAX)
		return fail(err, errlen, "%s: %zu characters, the VPC router allows 1 to %d", path,
		            n, PSK_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return fail(err, errlen, "%s: character %zu is not allowed: the VPC router "
			            "takes letters, digits and '_' only", path, i + 1);
	}
	return 0;
}

static int check_peer(const json_t *p, size_t idx, char *err, size_t errlen)
{
	char path[96], sub[128];
	const json_t *v;
	uint32_t a;

	snprintf(path, sizeof path, "Settings.Router.SiteToSiteIPsecVPN.Config[%zu]", idx);
	if (!json_is_object(p))
		return fail(err, errlen, "%s: expected an object, got %s", path, type_name(p));
	v = json_object_get(p, "Peer");
	snprintf(sub, sizeof sub, "%s.Peer", path);
	if (!json_is_string(v))
		return fail(err, errlen, "%s: expected an IPv4 address string, got %s", sub,
		            v ? type_name(v) : "nothing");
	if (sakura_ipv4_parse(json_string_value(v), &a))
		return fail(err, errlen, "%s: '%.64s' is not an IPv4 address", sub,
		            json_string_value(v));
	v = json_object_get(p, "RemoteID");
	snprintf(sub, sizeof sub, "%s.RemoteID", path);
	if (v && !json_is_null(v)) {
		const char *s = json_string_value(v);

		if (!s)
			return fail(err, errlen, "%s: expected a string, got %s", sub, type_name(v));
		if (strlen(s) > 255)
			return fail(err, errlen, "%s: longer than 255 characters", sub);
		for (const char *c = s; *c; c++)
			if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
				return fail(err, errlen, "%s: only printable ASCII without spaces",
				            sub);
	}
	snprintf(sub, sizeof sub, "%s.PreSharedSecret", path);
	if (check_psk(json_object_get(p, "PreSharedSecret"), sub, err, errlen))
		return -EINVAL;
	snprintf(sub, sizeof sub, "%s.Routes", path);
	if (check_prefixes(json_object_get(p, "Routes"), sub, err, errlen))
		return -EINVAL;
	snprintf(sub, sizeof sub, "%s.LocalPrefix", path);
	return check_prefixes(json_object_get(p, "LocalPrefix"), sub, err, errlen);
}

static int check_seconds(const json_t *obj, const char *key, const char *path, long long min,
                         long long max, char *err, size_t errlen)
{
	const json_t *v = json_object_get(obj, key);
	long long n;

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return fail(err, errlen, "%s.%s: expected an integer (seconds), got %s", path, key,
		            type_name(v));
	n = json_integer_value(v);
	if (n != 0 && (n < min || n > max))
		return fail(err, errlen, "%s.%s: %lld s, vpnlab allows 0 (default) or %lld to %lld",
		            path, key, n, min, max);
	return 0;
}

static int check_enum(const json_t *s2s, const char *key, const char *const *values,
                      char *err, size_t errlen)
{
	const json_t *v = json_object_get(s2s, key);
	const char *s;

	if (!v || json_is_null(v))
		return 0;
	s = json_string_value(v);
	if (!s)
		return fail(err, errlen, "Settings.Router.SiteToSiteIPsecVPN.%s: expected a string, "
		            "got %s", key, type_name(v));
	if (!*s)
		return 0;
	for (size_t i = 0; values[i]; i++)
		if (!strcmp(s, values[i]))
			return 0;
	{
		char list[96] = "";

		for (size_t i = 0; values[i]; i++) {
			strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
			strncat(list, values[i], sizeof list - strlen(list) - 1);
		}
		return fail(err, errlen, "Settings.Router.SiteToSiteIPsecVPN.%s: '%.32s' is not "
		            "one of %s", key, s, list);
	}
}

static int check_s2s(const json_t *s2s, int version, char *err, size_t errlen)
{
	const char *base = "Settings.Router.SiteToSiteIPsecVPN";
	const json_t *v, *cfg, *ike, *dpd, *esp;
	char path[96];
	size_t i;
	json_t *p;

	if (json_is_null(s2s))
		return 0;
	if (!json_is_object(s2s))
		return fail(err, errlen, "%s: expected an object, got %s", base, type_name(s2s));
	v = json_object_get(s2s, "Enabled");
	snprintf(path, sizeof path, "%s.Enabled", base);
	if (v && check_flag(v, path, err, errlen))
		return -EINVAL;
	cfg = json_object_get(s2s, "Config");
	if (cfg && !json_is_null(cfg)) {
		if (!json_is_array(cfg))
			return fail(err, errlen, "%s.Config: expected an array, got %s", base,
			            type_name(cfg));
		if (json_array_size(cfg) > SAKURA_MAX_PEERS)
			return fail(err, errlen, "%s.Config: %zu peers, vpnlab allows %d", base,
			            json_array_size(cfg), SAKURA_MAX_PEERS);
		json_array_foreach(cfg, i, p) {
			if (check_peer(p, i, err, errlen))
				return -EINVAL;
			for (size_t j = 0; j < i; j++)
				if (json_equal(json_object_get(json_array_get(cfg, j), "Peer"),
				               json_object_get(p, "Peer")))
					return fail(err, errlen, "%s.Config[%zu].Peer: %s is already "
					            "Config[%zu]", base, i,
					            json_string_value(json_object_get(p, "Peer")), j);
		}
	}
	ike = json_object_get(s2s, "IKE");
	if (ike && !json_is_null(ike)) {
		snprintf(path, sizeof path, "%s.IKE", base);
		if (!json_is_object(ike))
			return fail(err, errlen, "%s: expected an object, got %s", path,
			            type_name(ike));
		if (check_seconds(ike, "Lifetime", path, LIFETIME_MIN, LIFETIME_MAX, err, errlen))
			return -EINVAL;
		dpd = json_object_get(ike, "DPD");
		if (dpd && !json_is_null(dpd)) {
			snprintf(path, sizeof path, "%s.IKE.DPD", base);
			if (!json_is_object(dpd))
				return fail(err, errlen, "%s: expected an object, got %s", path,
				            type_name(dpd));
			if (check_seconds(dpd, "Interval", path, 1, DPD_MAX, err, errlen) ||
			    check_seconds(dpd, "Timeout", path, 1, DPD_MAX, err, errlen))
				return -EINVAL;
		}
	}
	esp = json_object_get(s2s, "ESP");
	if (esp && !json_is_null(esp)) {
		snprintf(path, sizeof path, "%s.ESP", base);
		if (!json_is_object(esp))
			return fail(err, errlen, "%s: expected an object, got %s", path,
			            type_name(esp));
		if (check_seconds(esp, "Lifetime", path, LIFETIME_MIN, LIFETIME_MAX, err, errlen))
			return -EINVAL;
	}
	if (check_enum(s2s, "EncryptionAlgo", enc_values, err, errlen) ||
	    check_enum(s2s, "HashAlgo", hash_values, err, errlen) ||
	    check_enum(s2s, "DHGroup", dh_values, err, errlen))
		return -EINVAL;
	v = json_object_get(s2s, "DHGroup");
	/* seeds/002: the DH group can be set only after migrating to version 2 */
	if (version == 1 && json_string_length(v) > 0)
		return fail(err, errlen, "%s.DHGroup: not available on a version 1 VPC router "
		            "(migrate it to version 2 first)", base);
	return 0;
}

int sakura_settings_check(const json_t *settings, int version, char *err, size_t errlen)
{
	const json_t *router, *v;
	const char *key;
	char path[160];

	if (!json_is_object(settings))
		return fail(err, errlen, "Settings: expected an object, got %s",
		            type_name(settings));
	router = json_object_get(settings, "Router");
	if (!router || json_is_null(router))
		return 0;
	if (!json_is_object(router))
		return fail(err, errlen, "Settings.Router: expected an object, got %s",
		            type_name(router));
	/* Every feature object's Enabled is a string flag (notes §3.4). */
	json_object_foreach((json_t *)router, key, v) {
		const json_t *en = json_is_object(v) ? json_object_get(v, "Enabled") : NULL;

		snprintf(path, sizeof path, "Settings.Router.%.64s.Enabled", key);
		if (en && check_flag(en, path, err, errlen))
			return -EINVAL;
	}
	v = json_object_get(router, "VRID");
	if (v && !json_is_null(v) &&
	    (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255))
		return fail(err, errlen, "Settings.Router.VRID: expected an integer 0-255, got %s",
		            type_name(v));
	v = json_object_get(router, "Interfaces");
	if (v && !json_is_null(v) && (!json_is_array(v) || json_array_size(v) > 8))
		return fail(err, errlen, "Settings.Router.Interfaces: expected an array of at most "
		            "8 NIC slots");
	v = json_object_get(router, "SyslogHost");
	if (v && !json_is_null(v) && !json_is_string(v))
		return fail(err, errlen, "Settings.Router.SyslogHost: expected a string, got %s",
		            type_name(v));
	/* WireGuard is a version 2 feature (TF #828). */
	v = json_object_get(router, "WireGuardServer");
	if (version == 1 && sakura_flag_true(json_object_get(v, "Enabled")))
		return fail(err, errlen, "Settings.Router.WireGuardServer: not available on a "
		            "version 1 VPC router");
	v = json_object_get(router, "SiteToSiteIPsecVPN");
	return v ? check_s2s(v, version, err, errlen) : 0;
}

static void copy_str(char *dst, size_t len, const json_t *v)
{
	snprintf(dst, len, "%s", json_string_value(v) ? json_string_value(v) : "");
}

static unsigned seconds_or(const json_t *v, unsigned dflt)
{
	return json_is_integer(v) && json_integer_value(v) > 0 ?
	       (unsigned)json_integer_value(v) : dflt;
}

static void global_ip(const struct sakura_router *r, char *out, size_t len)
{
	const json_t *nic0 = json_array_get(json_object_get(r->doc, "Interfaces"), 0);
	const json_t *ip = json_object_get(nic0, "IPAddress");

	if (!json_is_string(ip)) {
		/* premium and up: the VIP of Settings.Router.Interfaces[0] (notes §3.4) */
		const json_t *s0 = json_array_get(json_object_get(r->running, "Interfaces"), 0);

		ip = json_object_get(s0, "VirtualIPAddress");
	}
	copy_str(out, len, ip);
}

void sakura_intent_build(const struct sakura_mock *m, const struct sakura_router *r,
                         struct sakura_intent *in)
{
	const json_t *s2s = json_object_get(r->running, "SiteToSiteIPsecVPN");
	const json_t *cfg = json_object_get(s2s, "Config");
	const json_t *ike = json_object_get(s2s, "IKE"), *dpd = json_object_get(ike, "DPD");
	const json_t *dh = json_object_get(s2s, "DHGroup");
	size_t i;
	json_t *p;

	(void)m;
	memset(in, 0, sizeof *in);
	in->id = r->id;
	copy_str(in->name, sizeof in->name, json_object_get(r->doc, "Name"));
	snprintf(in->zone, sizeof in->zone, "%s", r->zone);
	in->version = r->version;
	in->stuck = r->stuck;
	global_ip(r, in->global_ip, sizeof in->global_ip);
	json_array_foreach(cfg, i, p) {
		struct sakura_peer_intent *pi;
		const json_t *rid = json_object_get(p, "RemoteID");
		size_t j;
		json_t *c;

		if (in->npeers == SAKURA_MAX_PEERS)
			break;
		pi = &in->peers[in->npeers++];
		copy_str(pi->peer, sizeof pi->peer, json_object_get(p, "Peer"));
		if (json_string_length(rid))
			copy_str(pi->remote_id, sizeof pi->remote_id, rid);
		else
			memcpy(pi->remote_id, pi->peer, sizeof pi->peer);
		copy_str(pi->psk, sizeof pi->psk, json_object_get(p, "PreSharedSecret"));
		json_array_foreach(json_object_get(p, "Routes"), j, c)
			if (pi->nroutes < SAKURA_MAX_PREFIXES)
				copy_str(pi->routes[pi->nroutes++], sizeof pi->routes[0], c);
		json_array_foreach(json_object_get(p, "LocalPrefix"), j, c)
			if (pi->nlocal < SAKURA_MAX_PREFIXES)
				copy_str(pi->local_prefix[pi->nlocal++], sizeof pi->local_prefix[0], c);
	}
	/* Enabled as sent; when it is missing, what clients would have sent: "True" iff there
	 * are peers (IAAS MarshalJSON, notes §3.4) */
	if (json_object_get(s2s, "Enabled"))
		in->enabled = sakura_flag_true(json_object_get(s2s, "Enabled"));
	else
		in->enabled = in->npeers > 0;
	copy_str(in->encryption, sizeof in->encryption, json_object_get(s2s, "EncryptionAlgo"));
	if (!*in->encryption)
		strcpy(in->encryption, "aes128");
	copy_str(in->hash, sizeof in->hash, json_object_get(s2s, "HashAlgo"));
	if (!*in->hash)
		strcpy(in->hash, "sha1");
	if (r->version >= 2) {
		copy_str(in->dh_group, sizeof in->dh_group, dh);
		if (!*in->dh_group)
			strcpy(in->dh_group, "modp1024");
		for (size_t k = 0; dh_values[k]; k++)
			if (!strcmp(in->dh_group, dh_values[k]))
				in->dh_group_num = dh_numbers[k];
	}
	in->ike_lifetime = seconds_or(json_object_get(ike, "Lifetime"), DEF_IKE_LIFETIME);
	in->esp_lifetime = seconds_or(json_object_get(json_object_get(s2s, "ESP"), "Lifetime"),
	                              DEF_ESP_LIFETIME);
	in->dpd_interval = seconds_or(json_object_get(dpd, "Interval"), DEF_DPD_INTERVAL);
	in->dpd_timeout = seconds_or(json_object_get(dpd, "Timeout"), DEF_DPD_TIMEOUT);
}
