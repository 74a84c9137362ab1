/*
 * sakura.h: the mock Sakura Cloud IaaS API 1.1, VPC router appliance subset (Class vpcrouter).
 *
 * A pure handler over an in-memory store: one request in, one response out, no I/O. IDs come
 * from the drbg it is given, times from the lab clock callback, so a run repeats byte for byte.
 * Paths, envelopes, fields, flags and error shapes follow
 * shared/design/research/sakura-cloud-vpc-router-api.md (cited below as "notes §N"):
 *
 *   {api_prefix}/{zone}/api/cloud/1.1/appliance[/{id}[/suffix]]      (notes §1.1, §2.1)
 *
 * with api_prefix "/cloud/zone" by default, so SAKURACLOUD_API_ROOT_URL=http://HOST:PORT/cloud/zone
 * points Sakura's own tools at it.
 *
 * vpnlab's own endpoints (NOT part of the Sakura Cloud API; the real migration path is not
 * public, notes §2.3, and no "VPN reconnect" endpoint is known) live under a separate,
 * configurable prefix, "/_vpnlab/sakura" by default, after SAKUMOCK's "/_sakumock/" (notes §6):
 *
 *   POST {vpnlab_prefix}/{zone}/appliance/{id}/migrate          version 1 -> 2, settings kept
 *   GET  {vpnlab_prefix}/{zone}/appliance/{id}/config/export    {"Export":{...},"is_ok":true}
 *   PUT  {vpnlab_prefix}/{zone}/appliance/{id}/config/import    body: an export
 *   PUT  {vpnlab_prefix}/{zone}/appliance/{id}/vpn/reconnect    the control panel's 「VPN再接続」
 *
 * The migration failure of seeds/002: with cfg.stuck_migration the migrated router comes up
 * "stuck" (no VPN, VPN logs unavailable) and stays so through /config, reset and power cycles
 * until it is powered off, an exported config is imported while it is down, and it is powered
 * on again. docs/mock-sakura.md describes every choice vpnlab makes where the notes say
 * UNCONFIRMED.
 *
 * Lifecycle (notes §2.4, §6, §7.3), derived from lab timestamps, no timers: create ->
 * Availability "migrating" for cfg.create_delay -> "available"; Instance.Status "down" until
 * PUT /power, "down" for cfg.boot_delay, then "up"; DELETE /power -> "cleaning" for
 * cfg.stop_delay (cfg.force_stop_delay with Force) -> "down". The handler folds due transitions
 * at the start of every request; the harness calls sakura_mock_advance() at
 * sakura_mock_next_deadline() so the gateway callbacks fire on time.
 */
#ifndef VPNLAB_MOCKS_SAKURA_H
#define VPNLAB_MOCKS_SAKURA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mocks/http.h"
#include "peers/drbg.h"
#include "peers/labtime.h"

/* Default request body limit; larger bodies get 400 from the handler. */
#define SAKURA_MAX_BODY (256 * 1024)

/* vpnlab limits where the real ones are UNCONFIRMED (notes §8). */
#define SAKURA_MAX_PEERS    16          /* Config[] entries per router */
#define SAKURA_MAX_PREFIXES 16          /* Routes[] / LocalPrefix[] per peer */
#define SAKURA_MAX_LOG      512         /* VPN log lines kept per router */

struct sakura_config {
	const char *api_prefix;         /* "/cloud/zone" (no trailing '/') */
	const char *vpnlab_prefix;      /* "/_vpnlab/sakura" */
	const char *zones;              /* "tk1a,tk1b,is1a,is1b,is1c,tk1v" (notes §1.1) */
	const char *token, *secret;     /* HTTP Basic user / password; both required */
	size_t max_body;                /* SAKURA_MAX_BODY */
	bool stuck_migration;           /* the seeds/002 failure: migration leaves it stuck */
	lab_ns create_delay;            /* "migrating" after create: 2 s */
	lab_ns boot_delay;              /* "down" -> "up": 2 s */
	lab_ns stop_delay;              /* "cleaning" -> "down", graceful: 2 s */
	lab_ns force_stop_delay;        /* same with Force: 0.5 s */
	lab_ns migrate_delay;           /* "migrating" during a v1 -> v2 migration: 3 s */
	int64_t epoch_unix;             /* wall time of lab time 0 (CreatedAt, log stamps) */
	uint32_t shared_net;            /* shared segment, host order: 203.0.113.0 */
	unsigned shared_masklen;        /* 24; gateway is .1, routers get .11 upward */
	lab_ns (*now)(void *ctx);       /* the lab clock */
	void *now_ctx;
	/* Optional: one line per state transition ("sakura: appliance 1234...: power down ->
	 * booting"); line is borrowed for the call. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

/* Fill cfg with the defaults above (token "vpnlab-token", secret "vpnlab-secret", epoch
 * 2025-01-01T00:00:00+09:00); the caller still sets now / now_ctx. */
void sakura_config_default(struct sakura_config *cfg);

/* The resolved site-to-site configuration of one router, as a gateway needs it. Strings are
 * NUL-terminated copies; the struct is borrowed for the duration of a callback and the mock
 * wipes the PSKs afterwards. */
struct sakura_peer_intent {
	char peer[16];                  /* Config[].Peer, dotted IPv4 */
	char remote_id[256];            /* Config[].RemoteID, or Peer when empty */
	char psk[41];                   /* Config[].PreSharedSecret, in clear: the lab needs it */
	char routes[SAKURA_MAX_PREFIXES][19];   /* "10.0.0.0/8" as sent */
	size_t nroutes;
	char local_prefix[SAKURA_MAX_PREFIXES][19];
	size_t nlocal;
};

enum sakura_apply_reason {
	SAKURA_APPLY_CONFIG,            /* PUT /config while up */
	SAKURA_APPLY_BOOT,              /* boot, reset or migration reboot finished */
	SAKURA_APPLY_RECONNECT,         /* vpnlab's VPN reconnect */
};

struct sakura_intent {
	uint64_t id;
	char name[128];                 /* the appliance's Name (a lab binds a node by it) */
	char zone[8];
	int version;                    /* Remark.Router.VPCRouterVersion: 1 or 2 */
	bool stuck;                     /* the failed migration: the gateway must stay silent */
	bool enabled;                   /* SiteToSiteIPsecVPN.Enabled == "True" */
	char global_ip[16];             /* Interfaces[0].IPAddress: phase-1 ID (notes §5) */
	struct sakura_peer_intent peers[SAKURA_MAX_PEERS];
	size_t npeers;
	/* As set, or vpnlab's defaults (PROFILES.md sakura-vpc-v2): aes128 / sha1 / modp1024.
	 * Version 1 firmware negotiates its own fixed set whatever these say (PROFILES.md). */
	char encryption[8];             /* "aes128" | "aes256" */
	char hash[8];                   /* "sha1" | "sha256" */
	char dh_group[9];               /* "modp1024".."modp4096"; "" on version 1 */
	int dh_group_num;               /* 2, 14, 15, 16; 0 on version 1 */
	unsigned ike_lifetime;          /* s, default 28800 */
	unsigned esp_lifetime;          /* s, default 1800 */
	unsigned dpd_interval;          /* s, default 15 */
	unsigned dpd_timeout;           /* s, default 30 */
};

/*
 * Callbacks the harness implements to drive a simulated VPC router. ctx is the harness's.
 * Power, as the real appliance does it: a graceful shutdown (DELETE /power) first stops the
 * router's charon (stopping: its DELETEs may go out), then the power goes (powered_off: off
 * the network, nothing sent, nothing answered); a forced shutdown (Force) and a reset are a
 * power cut (powered_off at once, no stopping); a boot ends in applied(SAKURA_APPLY_BOOT),
 * which brings the router back on the network first.
 */
struct sakura_gateway {
	/* Settings became the running ones (reason says why). */
	void (*applied)(void *ctx, const struct sakura_intent *in, enum sakura_apply_reason why);
	/* Optional: a graceful shutdown (or a migration's rebuild) began: the VPN stops. */
	void (*stopping)(void *ctx, uint64_t id);
	/* The router lost power: off the network until the next boot. May come twice (a forced
	 * shutdown cuts at once and again when Instance.Status reaches "down"). */
	void (*powered_off)(void *ctx, uint64_t id);
	/* Optional: POST .../vpcrouter/ping/{dest}. Start pinging dest from the router without
	 * blocking and return 0: the API's answer waits (http_response_defer) until the harness
	 * calls sakura_mock_ping_done(token, ...). Or return -errno (the API answers 500). */
	int (*ping)(void *ctx, uint64_t id, const char *dest, uint64_t token);
	/* Optional: NIC index (1-7) connected to / disconnected from a switch. */
	void (*nic)(void *ctx, uint64_t id, int index, bool connected);
	void *ctx;
};
struct sakura_mock;

/* Create an empty mock. cfg is copied (its strings too); drbg is borrowed for the call only
 * (the mock derives its own child stream "mocks/sakura"). 0 or -ENOMEM / -EINVAL. */
int sakura_mock_new(struct sakura_mock **out, const struct sakura_config *cfg,
                    const struct drbg *drbg);
void sakura_mock_free(struct sakura_mock *m);

/* The http_handler_fn: mock is a struct sakura_mock *. Never fails: errors are JSON
 * responses (notes §1.5). resp->body is replaced with a malloc'd buffer the caller frees. */
void sakura_mock_handle(void *mock, const struct http_request *req, struct http_response *resp);

/* Attach (or with NULL detach) a gateway; gw is copied. */
void sakura_mock_attach_gateway(struct sakura_mock *m, const struct sakura_gateway *gw);

/* Fold every transition that is due at the lab clock's now (firing gateway callbacks), and
 * say when the next one is due (LAB_NEVER: none). */
void sakura_mock_advance(struct sakura_mock *m);
lab_ns sakura_mock_next_deadline(struct sakura_mock *m);

/*
 * The answer to a deferred ping (token from the ping callback): {"Result":[lines],"is_ok":true}
 * with one entry per '\n'-separated line of text, into resp (initialised by the caller; its
 * body is malloc'd). The harness hands resp to http_server_complete(). 0, or -ENOMEM.
 */
int sakura_mock_ping_done(struct sakura_mock *m, uint64_t token, const char *text,
                          struct http_response *resp);

/* The harness reports a peer's SA state for GET .../status (SiteToSiteIPsecVPNPeers).
 * 0, -ENOENT (no such router or peer in its running settings), -EAGAIN (not up, or stuck). */
int sakura_mock_peer_set(struct sakura_mock *m, uint64_t id, const char *peer, bool up);

/* Append one VPN log line (no newline; charon-style, stamped by the caller). 0, -ENOENT,
 * -EINVAL (line has a newline or is too long), -ENOMEM. */
int sakura_mock_log_append(struct sakura_mock *m, uint64_t id, const char *line);

/* Number of routers, and the ID of the i-th by creation order (0 if out of range). */
size_t sakura_mock_count(const struct sakura_mock *m);
uint64_t sakura_mock_id_at(const struct sakura_mock *m, size_t i);

/* Save the whole store (routers, running settings, peer states, logs, the lab time) as JSON;
 * load replaces the store. Errors name the file and, for bad JSON, line:column (position);
 * for bad content the JSON path. 0 or -errno / -EINVAL. */
int sakura_mock_save(const struct sakura_mock *m, const char *file, char *err, size_t errlen);
int sakura_mock_load(struct sakura_mock *m, const char *file, char *err, size_t errlen);

#endif
