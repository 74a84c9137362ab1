/*
 * nft.h: a node's packet rules through libnftables: source NAT, TCP MSS clamping and the
 * scenario's named drop filters.
 *
 * All of a node's rules live in one table, `inet vpnlab`, rebuilt as a whole in one atomic
 * transaction whenever something changes (a filter switched on or off), so there is never a
 * moment with half a ruleset.
 */
#ifndef VPNLAB_HARNESS_NFT_H
#define VPNLAB_HARNESS_NFT_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/scenario.h"

/*
 * Render the ruleset for node with the given filter states (enabled[i] for node->filters[i])
 * into buf. Pure: used by the tests and by nft_apply. Returns the length, or -ENOSPC.
 */
int nft_render(const struct sc_node *node, const bool *enabled, char *buf, size_t len);

/* True if the node needs any rule at all. */
bool nft_needed(const struct sc_node *node);

/* Load the rendered ruleset into the node's namespace. 0 or -errno; msg gets nft's own error
 * text on failure. */
int nft_apply(int nsfd, const struct sc_node *node, const bool *enabled, char *msg,
              size_t msglen);

/* Run an nft script (rules, as text) inside the namespace nsfd; node names it in msg. The
 * K5 router's translations (harness/lab_k5.c) live in a table of their own this way. 0 or
 * -errno with nft's own error text in msg. */
int nft_load(int nsfd, const char *node, const char *rules, char *msg, size_t msglen);

#endif
