/*
 * nft.c: render and load a node's nftables ruleset (see nft.h).
 */
#include "harness/nft.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "harness/netns.h"
#include "harness/textbuf.h"


bool nft_needed(const struct sc_node *node)
{
	return node->masquerade[0] || node->has_mss_clamp || node->nfilters > 0;
}

/* The match expression of a filter, without interface or direction. */
static void put_match(struct textbuf *o, const struct sc_filter *f)
{
	switch (f->match) {
	case SC_MATCH_ESP: textbuf_put(o, "meta l4proto esp"); break;
	case SC_MATCH_IKE: textbuf_put(o, "meta l4proto udp th dport { 500, 4500 }"); break;
	case SC_MATCH_UDP: textbuf_put(o, "meta l4proto udp th dport %d", f->port); break;
	case SC_MATCH_TCP: textbuf_put(o, "meta l4proto tcp th dport %d", f->port); break;
	case SC_MATCH_ICMP: textbuf_put(o, "meta l4proto { icmp, ipv6-icmp }"); break;
	case SC_MATCH_ALL: textbuf_put(o, "meta nfproto { ipv4, ipv6 }"); break;
	}
}

/* Source-port twin for port-based matches, so both directions of a flow are caught. */
static bool has_sport_twin(const struct sc_filter *f)
{
	return f->match == SC_MATCH_IKE || f->match == SC_MATCH_UDP || f->match == SC_MATCH_TCP;
}

static void put_sport_match(struct textbuf *o, const struct sc_filter *f)
{
	switch (f->match) {
	case SC_MATCH_IKE: textbuf_put(o, "meta l4proto udp th sport { 500, 4500 }"); break;
	case SC_MATCH_UDP: textbuf_put(o, "meta l4proto udp th sport %d", f->port); break;
	case SC_MATCH_TCP: textbuf_put(o, "meta l4proto tcp th sport %d", f->port); break;
	default: break;
	}
}

static void put_rule(struct textbuf *o, const char *ifkey, const struct sc_filter *f, bool sport)
{
	textbuf_put(o, "\t\t");
	if (f->iface[0] && ifkey)
		textbuf_put(o, "%s \"%s\" ", ifkey, f->iface);
	if (sport)
		put_sport_match(o, f);
	else
		put_match(o, f);
	/* "after N": conntrack counts the packets of the flow, both directions (accounting is
	 * switched on for the node in nft_apply). */
	if (f->after)
		textbuf_put(o, " ct packets > %llu", (unsigned long long)f->after);
	textbuf_put(o, " counter drop comment \"%s\"\n", f->name);
}

static void put_filter_rules(struct textbuf *o, const struct sc_node *node, const bool *enabled,
                             const char *chain)
{
	for (size_t i = 0; i < node->nfilters; i++) {
		const struct sc_filter *f = &node->filters[i];

		if (!enabled[i])
			continue;
		for (int twin = 0; twin <= (has_sport_twin(f) ? 1 : 0); twin++) {
			if (!strcmp(chain, "input")) {
				put_rule(o, "iifname", f, twin);
			} else if (!strcmp(chain, "output")) {
				put_rule(o, "oifname", f, twin);
			} else if (f->iface[0]) {
				put_rule(o, "iifname", f, twin);
				put_rule(o, "oifname", f, twin);
			} else {
				put_rule(o, NULL, f, twin);
			}
		}
	}
}

int nft_render(const struct sc_node *node, const bool *enabled, char *buf, size_t len)
{
	static const char *const chains[] = { "input", "forward", "output" };
	struct textbuf o = { buf, len, 0, false };

	if (len)
		buf[0] = 0;
	/* "add table" then "delete table" makes the delete succeed on the first load too. */
	textbuf_put(&o, "add table inet vpnlab\ndelete table inet vpnlab\n");
	textbuf_put(&o, "table inet vpnlab {\n");
	if (node->nfilters) {
		for (size_t c = 0; c < 3; c++) {
			textbuf_put(&o, "\tchain %s {\n\t\ttype filter hook %s priority filter; policy accept;\n",
			    chains[c], chains[c]);
			put_filter_rules(&o, node, enabled, chains[c]);
			textbuf_put(&o, "\t}\n");
		}
	}
	if (node->has_mss_clamp) {
		char size[32];

		if (node->mss)
			snprintf(size, sizeof size, "%d", node->mss);
		else
			snprintf(size, sizeof size, "rt mtu");
		textbuf_put(&o, "\tchain mss_clamp {\n\t\ttype filter hook forward priority mangle; policy accept;\n");
		if (node->mss_iface[0]) {
			textbuf_put(&o, "\t\toifname \"%s\" tcp flags syn / syn,rst tcp option maxseg size > %s "
			    "tcp option maxseg size set %s\n", node->mss_iface,
			    node->mss ? size : "0", size);
			textbuf_put(&o, "\t\tiifname \"%s\" tcp flags syn / syn,rst tcp option maxseg size > %s "
			    "tcp option maxseg size set %s\n", node->mss_iface,
			    node->mss ? size : "0", size);
		} else {
			textbuf_put(&o, "\t\ttcp flags syn / syn,rst tcp option maxseg size > %s "
			    "tcp option maxseg size set %s\n", node->mss ? size : "0", size);
		}
		textbuf_put(&o, "\t}\n");
	}
	if (node->masquerade[0]) {
		textbuf_put(&o, "\tchain postrouting {\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n");
		textbuf_put(&o, "\t\toifname \"%s\" meta nfproto ipv4 masquerade\n", node->masquerade);
		textbuf_put(&o, "\t}\n");
	}
	textbuf_put(&o, "}\n");
	return o.full ? -ENOSPC : (int)o.used;
}

int nft_load(int nsfd, const char *node, const char *rules, char *msg, size_t msglen)
{
	struct nft_ctx *ctx;
	const char *errbuf;
	int err = netns_enter(nsfd);

	if (err) {
		snprintf(msg, msglen, "cannot enter node %s: %s", node, strerror(-err));
		return err;
	}
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		netns_leave();
		snprintf(msg, msglen, "nft_ctx_new failed");
		return -ENOMEM;
	}
	nft_ctx_buffer_error(ctx);
	if (nft_run_cmd_from_buffer(ctx, rules) != 0) {
		errbuf = nft_ctx_get_error_buffer(ctx);
		snprintf(msg, msglen, "nftables refused the rules of node %s: %s", node,
		         errbuf ? errbuf : "(no message)");
		err = -EINVAL;
	}
	nft_ctx_free(ctx);
	netns_leave();
	return err;
}

int nft_apply(int nsfd, const struct sc_node *node, const bool *enabled, char *msg,
              size_t msglen)
{
	char *rules = NULL;
	size_t cap = 4096 + node->nfilters * 1024;
	int err, n;
	bool acct = false;

	for (size_t i = 0; i < node->nfilters; i++)
		acct |= node->filters[i].after > 0;
	rules = malloc(cap);
	if (!rules)
		return -ENOMEM;
	n = nft_render(node, enabled, rules, cap);
	if (n < 0) {
		snprintf(msg, msglen, "ruleset for node %s too large", node->name);
		err = n;
		goto out;
	}
	err = nft_load(nsfd, node->name, rules, msg, msglen);
	/* Conntrack exists in the namespace once a rule needs it; only then can its packet
	 * accounting be switched on. Flows counted by "after N" need it. */
	if (!err && acct) {
		err = netns_sysctl(nsfd, "net/netfilter/nf_conntrack_acct", "1");
		if (err)
			snprintf(msg, msglen, "node %s: cannot enable conntrack accounting: %s",
			         node->name, strerror(-err));
	}
out:
	free(rules);
	return err;
}
