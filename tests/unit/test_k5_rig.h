/*
 * test_k5_rig.h: drives the K5 mock's handler directly with constructed requests, on a lab
 * clock the test moves by hand. Shared by the tests/unit/test_k5_*.c files.
 */
#ifndef VPNLAB_TESTS_UNIT_K5_RIG_H
#define VPNLAB_TESTS_UNIT_K5_RIG_H

#include <jansson.h>
#include <stdbool.h>

#include "mocks/k5.h"

struct k5_rig {
	struct k5_mock *k;
	struct drbg drbg;
	lab_ns now;
	char token[128];
	int status;
	json_t *body;                   /* last response, parsed; NULL if empty or not JSON */
	char raw[8192];                 /* last response body as text (truncated) */
	char subject_token[128];        /* X-Subject-Token of the last response, if any */
	char www_auth[256];
};

/* The topology most VPN tests need, built through the API. */
struct k5_topo {
	char ext_net[37], ext_net2[37], net[37], subnet[37], router[37];
	char ike[37], ipsec[37], service[37];
};

/* A mock with K5 rules (or upstream), seed 1, epoch 2017-05-02T09:11:58Z, token issued. */
void rig_init(struct k5_rig *r, bool upstream);
void rig_init_cfg(struct k5_rig *r, const struct k5_config *cfg);
void rig_free(struct k5_rig *r);
/* One request; body_fmt NULL for none. Returns the status. */
int rig_call(struct k5_rig *r, const char *method, const char *path, const char *body_fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Dotted path into the last body ("network.subnets.0"); NULL if absent. */
json_t *rig_at(const struct k5_rig *r, const char *dotted);
/* String at the dotted path, "" if absent or not a string. */
const char *rig_s(const struct k5_rig *r, const char *dotted);
long long rig_i(const struct k5_rig *r, const char *dotted);
/* NeutronError type of the last response ("" if none). */
const char *rig_err(const struct k5_rig *r);
/* Create at path and copy the new object's id (key.id) into id; returns the status. */
int rig_create(struct k5_rig *r, char id[37], const char *path, const char *key,
               const char *body_fmt, ...) __attribute__((format(printf, 5, 6)));
/* Look up the id of a named object in a collection. */
void rig_find(struct k5_rig *r, char id[37], const char *path, const char *plural,
              const char *name);
/* net 10.1.1.0/24 + router with a gateway on inf_az1_ext-net01 and an interface; policies
 * (K5's field note values) and a VPN service on the subnet. Asserts every step. */
void rig_topology(struct k5_rig *r, struct k5_topo *t);
/* A site connection on t's service; returns the status, id filled on 201. */
int rig_conn(struct k5_rig *r, const struct k5_topo *t, char id[37], const char *extra_json);

#endif
