/*
 * vici_sa.h: what charon says about its SAs (a list-sa, ike-updown or child-updown event's
 * <IKE_SA name> section) as plain structs, pure.
 *
 * Proposals are put back together in charon's log notation
 * ("IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048",
 * "ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ"), the same strings
 * ike_prop_strongswan() makes for the simulated peers, so the two can be compared.
 */
#ifndef VPNLAB_HARNESS_VICI_SA_H
#define VPNLAB_HARNESS_VICI_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/vici_msg.h"

#define VICI_SA_CHILDREN 8

struct vici_child_sa {
	char name[64];                  /* child config name */
	uint64_t uniqueid;
	char state[24];                 /* INSTALLED, REKEYING, REKEYED, DELETING, ... */
	bool encap;                     /* ESP in UDP */
	uint32_t spi_in, spi_out;
	char proposal[128];
	uint64_t bytes_in, packets_in, bytes_out, packets_out;
	uint64_t install_time, rekey_time, life_time;   /* seconds (ago / from now) */
	char local_ts[64], remote_ts[64];               /* the first selector of each side */
};

struct vici_ike_sa {
	char name[64];                  /* connection (IKE config) name */
	uint64_t uniqueid;
	int version;
	char state[24];                 /* CONNECTING, ESTABLISHED, REKEYING, DELETING, ... */
	bool initiator;
	char local_host[64], remote_host[64];
	uint16_t local_port, remote_port;
	char proposal[128];             /* "" until negotiated */
	uint64_t established, rekey_time, reauth_time;  /* seconds; 0 when not given */
	struct vici_child_sa child[VICI_SA_CHILDREN];
	size_t nchild;                  /* beyond VICI_SA_CHILDREN are counted in nchild_all */
	size_t nchild_all;
};

/* sec is the section named after the IKE_SA (its name becomes out->name). In a child-rekey
 * event a CHILD_SA entry holds old and new sections: the new one is read. 0, or -EBADMSG
 * with err naming the key that is missing or malformed (state, spi-in, ...). */
int vici_ike_sa_parse(const struct vici_node *sec, struct vici_ike_sa *out, char *err,
                      size_t errlen);

#endif
