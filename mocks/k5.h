/*
 * k5.h: the mock Fujitsu Cloud Service K5 API: Keystone v3, Neutron v2.0 (networks, subnets,
 * ports, routers, floating IPs, extensions), VPNaaS and FWaaS v1 as K5 had them.
 *
 * The mock is a pure handler over an in-memory store (a jansson tree, which is also the save
 * file): a request in, a response out, no I/O. IDs come from the drbg it is given, times from
 * the lab clock callback, so a run repeats byte for byte. What each path, field, default,
 * validation rule and error text is, and where it comes from, is in
 * shared/design/research/k5-neutron-vpnaas-api.md.
 *
 * Site connections drive a gateway. With one attached (k5_mock_attach_gateway) the mock tells
 * it each connection's resolved intent and the harness reports the real status back with
 * k5_mock_set_conn_status(). Standalone, a connection moves PENDING_CREATE -> ACTIVE after
 * cfg.active_delay of lab time, and the intent is only recorded; it is readable at
 * GET /vpnlab/v1/intents[/{connection_id}], an endpoint of vpnlab's own (K5 has no such thing).
 */
#ifndef VPNLAB_MOCKS_K5_H
#define VPNLAB_MOCKS_K5_H

#include <stdbool.h>
#include <stddef.h>

#include "mocks/http.h"
#include "peers/drbg.h"
#include "peers/labtime.h"

/* The external networks every mock has, one per AZ (K5's names); by default documentation
 * addresses (RFC 5737) with gateway_ip .1. k5_config.external changes the subnets; the
 * allocation pool is every host address but the gateway's. A lab's outside must be these
 * (docs/clouds-in-lab.md). */
#define K5_EXT_AZ1_NET  "inf_az1_ext-net01"
#define K5_EXT_AZ1_CIDR "198.51.100.0/24"
#define K5_EXT_AZ1_GW   "198.51.100.1"
#define K5_EXT_AZ2_NET  "inf_az2_ext-net01"
#define K5_EXT_AZ2_CIDR "203.0.113.0/24"
#define K5_EXT_AZ2_GW   "203.0.113.1"

/* Default request body limit for a K5 mock server (http_server_start's max_body). */
#define K5_MAX_BODY (256 * 1024)

/*
 * The K5 restrictions over upstream neutron-vpnaas (PROFILES.md, k5-vpnaas). Each can be
 * switched off; k5_rules_upstream() switches all off.
 */
struct k5_rules {
	bool main_mode_only;            /* phase1_negotiation_mode: main */
	bool ike_v1_only;               /* ike_version: v1 (UNCONFIRMED for K5; on by default) */
	bool sha1_only;                 /* auth_algorithm: sha1 */
	bool aes_only;                  /* encryption_algorithm: aes-128/192/256 (no 3des) */
	bool pfs_2_5_14;                /* pfs: group2/5/14 */
	bool lifetime_max_86400;        /* lifetime value 60..86400 s (upstream: 60..) */
	bool esp_tunnel_only;           /* transform_protocol esp, encapsulation_mode tunnel */
	bool dpd_hold_restart;          /* dpd action: hold | restart */
	bool one_peer_cidr;             /* peer_cidrs: exactly one */
	bool one_service_per_router;    /* router : vpnservice = 1 : 1 (409 on a second) */
	int max_conns_per_service;      /* 20 on K5 (409 beyond); 0: no limit */
};

void k5_rules_k5(struct k5_rules *r);
void k5_rules_upstream(struct k5_rules *r);

struct k5_config {
	const char *region;             /* "jp-east-1"; AZs are region + "a" and + "b" */
	const char *username;           /* NULL: any user name is accepted */
	const char *password;           /* NULL: any password is accepted */
	int64_t epoch_unix;             /* wall time of lab time 0, for created_at / expires_at */
	lab_ns (*now)(void *ctx);       /* the lab clock */
	void *now_ctx;
	lab_ns active_delay;            /* standalone: PENDING_* -> ACTIVE after this long */
	lab_ns token_lifetime;          /* K5 tokens last 3 h */
	struct k5_rules rules;
	/* Optional: one line per status transition ("k5: ipsec_site_connection ID: PENDING_CREATE
	 * -> ACTIVE"); line is borrowed for the call. */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
	/* The external subnets of AZ1 and AZ2 (inf_az1_ext-net01, inf_az2_ext-net01): IPv4
	 * "a.b.c.d/n" (n 8..30) and a gateway_ip inside it; NULL: the defaults above, a NULL
	 * gateway: the first host. Copied. */
	struct {
		const char *cidr, *gateway_ip;
	} external[2];
};

/* Fills cfg with the defaults (region jp-east-1, K5 rules, 2 s delay, 3 h tokens, epoch
 * 2017-05-02T09:11:58Z); the caller still sets now / now_ctx. */
void k5_config_default(struct k5_config *cfg);

/* The resolved configuration of one site connection, as a gateway needs it. All strings are
 * NUL-terminated copies; the struct is borrowed for the duration of a callback. */
#define K5_MAX_CIDRS 8
struct k5_conn_intent {
	char id[40], name[256], vpnservice_id[40], router_id[40];
	char router_name[256];          /* the router's name (a lab binds a node by it) */
	char peer_address[64], peer_id[256];
	char psk[256];                  /* the pre-shared key, in clear: the lab needs it */
	char local_cidrs[K5_MAX_CIDRS][48];
	size_t nlocal;
	char peer_cidrs[K5_MAX_CIDRS][48];
	size_t npeer;
	struct {
		char auth[16], encryption[16], pfs[16], phase1_mode[16], ike_version[8];
		int lifetime_s;
	} ike;
	struct {
		char auth[16], encryption[16], pfs[16], transform[16], encapsulation[16];
		int lifetime_s;
	} ipsec;
	struct {
		char action[24];
		int interval_s, timeout_s;
	} dpd;
	char initiator[24];             /* bi-directional | response-only */
	int mtu;
	bool admin_state_up;
	char router_external_ip[64];    /* the router's gateway address ("" if none) */
	char floating_ip[64];           /* FIP on the service subnet's router port ("" if none):
	                                   K5's local IPsec endpoint when present */
};

/* Callbacks the harness implements to drive a simulated K5 gateway. ctx is the harness's. */
struct k5_gateway {
	void (*conn_created)(void *ctx, const struct k5_conn_intent *in);
	void (*conn_updated)(void *ctx, const struct k5_conn_intent *in);
	void (*conn_deleted)(void *ctx, const char *conn_id);
	void *ctx;
};

struct k5_mock;

/* Create a mock with the pre-provisioned K5 external networks. cfg is copied (its strings
 * too); drbg is borrowed and must outlive the mock. 0 or -ENOMEM / -EINVAL (a bad region, or
 * an external subnet that is not IPv4 /8../30 with its gateway inside). */
int k5_mock_new(struct k5_mock **out, const struct k5_config *cfg, struct drbg *drbg);
void k5_mock_free(struct k5_mock *k);

/* The http_handler_fn: k5 is a struct k5_mock *. */
void k5_mock_handle(void *k5, const struct http_request *req, struct http_response *resp);

/* Attach (or with NULL detach) a gateway; gw is copied. Standalone timers stop applying to
 * connections once a gateway is attached. */
void k5_mock_attach_gateway(struct k5_mock *k, const struct k5_gateway *gw);

/* The harness reports a connection's real state: "ACTIVE", "DOWN", "PENDING_CREATE",
 * "PENDING_UPDATE" or "ERROR". 0, -ENOENT (no such connection) or -EINVAL (status). */
int k5_mock_set_conn_status(struct k5_mock *k, const char *conn_id, const char *status);

/*
 * What a router's API objects say its lab node is (the harness builds the node from it,
 * harness/lab_k5.h): the external gateway (its first external_fixed_ips address, the
 * subnet's prefix length, CIDR and gateway_ip), each router interface port (its first fixed
 * IP with its subnet's prefix length: the subnet's gateway_ip for an interface added by
 * subnet_id, the port's own fixed IP for one added by port_id), the extra routes, and the
 * floating IPs bound through it (port_id set). The first router named router_name. Strings
 * are copies. 0, -ENOENT (no such router) or -E2BIG (more than K5_TOPO_MAX of a kind: the
 * first K5_TOPO_MAX are filled in).
 */
#define K5_TOPO_MAX 16
struct k5_topo_port {
	char port_id[40], network_id[40], network_name[256], subnet_id[40];
	char ip[64];
	int prefix;
};
struct k5_topo_route {
	char destination[48], nexthop[64];
};
struct k5_topo_fip {
	char id[40], floating_ip[64], fixed_ip[64], status[16];
};
struct k5_router_topo {
	char id[40], name[256];
	bool has_gateway;               /* an external gateway with an address */
	bool enable_snat;
	char ext_network_id[40], ext_network_name[256];
	char ext_ip[64], ext_cidr[48], ext_gateway_ip[64];  /* gateway_ip "" when null */
	int ext_prefix;
	struct k5_topo_port ports[K5_TOPO_MAX];
	size_t nports;
	struct k5_topo_route routes[K5_TOPO_MAX];
	size_t nroutes;
	struct k5_topo_fip fips[K5_TOPO_MAX];
	size_t nfips;
};
int k5_mock_router_topology(struct k5_mock *k, const char *router_name,
                            struct k5_router_topo *t);

/* The harness reports a floating IP's real state: ACTIVE once the lab carries it (address
 * and NAT on the node), DOWN or ERROR. With a gateway attached the standalone delay does not
 * make a floating IP ACTIVE; this does. 0, -ENOENT or -EINVAL. */
int k5_mock_set_fip_status(struct k5_mock *k, const char *fip_id, const char *status);

/* Save the whole store (objects, tokens, intents, the lab time) as JSON; load replaces the
 * store. Errors name the file, and for bad JSON the line:column. 0 or -errno / -EINVAL. */
int k5_mock_save(const struct k5_mock *k, const char *file, char *err, size_t errlen);
int k5_mock_load(struct k5_mock *k, const char *file, char *err, size_t errlen);

#endif
