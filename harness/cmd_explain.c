/*
 * cmd_explain.c: `vpnlab explain FILE.pcap --profile NAME [--config FILE]... [--ike P]
 * [--json]`: would a gateway of that profile have accepted what the initiators in a (field)
 * capture offered? The capture is read by captures/explain.c, each offer judged by
 * peers/profile/profile_explain.c with the IKE engine's own selection.
 *
 * The gateway's policy follows the precedence rule of peers/profile/profile.h: the profile's
 * defaults, then the user's config (the F220's CLI text, Sakura settings JSON) and --ike,
 * then what the profile forces.
 */
#include "harness/cmd_explain.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "captures/explain.h"
#include "harness/cli.h"
#include "mocks/k5_gateway.h"
#include "mocks/sakura_gateway.h"
#include "peers/profile/profile_explain.h"
#include "peers/profile/profile_fitelnet.h"

#define MAX_CONFIGS 8
#define MAX_REMEMBERED 256

struct remembered {
	uint64_t frame;
	bool accepted;
	char selected[128];
	json_t *obj;                    /* borrowed from the offers array (JSON mode) */
};

struct explain {
	const struct profile *p;
	struct gw_config *cfg;
	struct profile_verdict *v;
	struct profile_report rep;
	bool json;
	json_t *offers, *answers;
	struct remembered mem[MAX_REMEMBERED];
	size_t nmem;
	unsigned accepted, refused;
};

static void usage(FILE *f)
{
	fputs("usage: vpnlab explain FILE.pcap --profile NAME [--config FILE]... [--ike PROPOSALS]\n"
	      "                      [--json]\n"
	      "\n"
	      "Find each initiator's main (or aggressive) mode message 1 in the capture and say\n"
	      "whether a gateway of profile NAME would accept it: the proposal it would select, in\n"
	      "strongSwan notation, or for every offered transform which attributes fail\n"
	      "(encryption, key length, hash, group, authentication method, lifetime), and the mode\n"
	      "when the profile answers main mode only. The selection is the IKE engine's own.\n"
	      "Phase 2 is not judged: quick mode is encrypted in a capture.\n"
	      "\n"
	      "  --profile NAME     a profile of `vpnlab profiles`\n"
	      "  --config FILE      the gateway's own configuration: for fitelnet-f220 its CLI text\n"
	      "                     (repeat to apply changes in order), for sakura-vpc-v1/v2 a JSON\n"
	      "                     of the router's settings (Settings, Router or SiteToSiteIPsecVPN),\n"
	      "                     for k5-vpnaas a JSON with its \"ikepolicy\" / \"ipsecpolicy\"\n"
	      "  --ike PROPOSALS    IKE proposals instead, e.g. aes256-sha256-modp2048 (forced\n"
	      "                     profile rows still win)\n"
	      "  --json             one JSON document on stdout\n"
	      "\n"
	      "Exit 0 when every offer would be accepted, 1 when one is refused or there is none,\n"
	      "2 for bad usage, an unreadable capture or an invalid config.\n", f);
}

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < (1 << 20) &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL)
		buf[fread(buf, 1, (size_t)n, f)] = '\0';
	else
		snprintf(err, errlen, "%s: unreadable or larger than 1 MiB", path);
	fclose(f);
	return buf;
}

/* fitelnet-f220: the CLI texts in order. */
static int load_fitelnet(struct explain *x, char **texts, const char **names, size_t n,
                         char *err, size_t errlen)
{
	struct fitelnet_diags *d = calloc(1, sizeof *d);
	int rc;

	if (!d)
		return -ENOMEM;
	fitelnet_diags_init(d);
	rc = profile_fitelnet_configs((const char *const *)texts, names, n, NULL, x->cfg, d);
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->d[i].text);
	if (rc)
		snprintf(err, errlen, "the FITELnet config does not load (%zu errors)", d->errors);
	free(d);
	return rc;
}

/* sakura-vpc-v1/v2: one settings JSON. */
static int load_sakura(struct explain *x, char **texts, const char **names, size_t n,
                       char *err, size_t errlen)
{
	struct sakura_intent *in = calloc(1, sizeof *in);
	char e[256];
	int rc;

	if (!in)
		return -ENOMEM;
	if (n != 1) {
		free(in);
		snprintf(err, errlen, "%s takes one settings JSON", x->p->name);
		return -EINVAL;
	}
	rc = sakura_gateway_intent_parse(texts[0], !strcmp(x->p->name, "sakura-vpc-v1") ? 1 : 2,
	                                 "", in, e, sizeof e);
	if (!rc)
		rc = sakura_gateway_config(in, x->cfg, &x->rep, e, sizeof e);
	if (rc)
		snprintf(err, errlen, "%s: %s", names[0], e);
	explicit_bzero(in, sizeof *in);
	free(in);
	return rc;
}

/* k5-vpnaas: one JSON of its ikepolicy / ipsecpolicy. */
static int load_k5(struct explain *x, char **texts, const char **names, size_t n, char *err,
                   size_t errlen)
{
	struct gw_conn *c;
	char e[256];
	int rc;

	if (n != 1) {
		snprintf(err, errlen, "%s takes one JSON of its policies", x->p->name);
		return -EINVAL;
	}
	if (k5_gateway_config_init(x->cfg) || !(c = profile_conn_add(x->p, x->cfg, x->p->name,
	                                                             &x->rep)))
		return -EINVAL;
	rc = k5_gateway_policies_parse(texts[0], &c->ike, e, sizeof e);
	if (rc)
		snprintf(err, errlen, "%s: %s", names[0], e);
	return rc;
}

typedef int (*config_loader)(struct explain *x, char **texts, const char **names, size_t n,
                             char *err, size_t errlen);

/* Which profile takes which --config (profile.h: struct profile.config says what). */
static const struct {
	const char *profile;
	config_loader load;
} loaders[] = {
	{ "fitelnet-f220", load_fitelnet },
	{ "sakura-vpc-v1", load_sakura },
	{ "sakura-vpc-v2", load_sakura },
	{ "k5-vpnaas", load_k5 },
};

static int build_policy(struct explain *x, char **configs, size_t nconfigs, const char *ike,
                        char *err, size_t errlen)
{
	char *texts[MAX_CONFIGS] = { 0 };
	config_loader load = NULL;
	int rc = 0;

	for (size_t i = 0; i < sizeof loaders / sizeof loaders[0]; i++)
		if (!strcmp(loaders[i].profile, x->p->name))
			load = loaders[i].load;
	if (nconfigs && !load) {
		snprintf(err, errlen, "profile %s takes no --config here (give --ike)", x->p->name);
		return -EINVAL;
	}
	if (nconfigs) {
		for (size_t i = 0; i < nconfigs && !rc; i++)
			if (!(texts[i] = slurp(configs[i], err, errlen)))
				rc = -EINVAL;
		if (!rc)
			rc = load(x, texts, (const char **)configs, nconfigs, err, errlen);
		for (size_t i = 0; i < nconfigs; i++) {
			if (texts[i])
				explicit_bzero(texts[i], strlen(texts[i]));
			free(texts[i]);
		}
		if (rc)
			return rc;
	} else {
		if (profile_config_init(x->p, x->cfg, &x->rep) ||
		    !profile_conn_add(x->p, x->cfg, x->p->name, &x->rep)) {
			snprintf(err, errlen, "profile %s does not apply", x->p->name);
			return -EINVAL;
		}
	}
	if (ike) {
		for (size_t i = 0; i < x->cfg->nconns; i++) {
			struct ike_policy *pol = &x->cfg->conns[i].ike;

			pol->nike = ike_props_parse(ike, false, pol->ike, IKE_MAX_PROPS, err, errlen);
			if (pol->nike < 0)
				return -EINVAL;
		}
	}
	profile_apply(x->p, x->cfg, PROFILE_STAGE_FORCED, &x->rep);
	if (!x->cfg->nconns) {
		snprintf(err, errlen, "the config gives %s no connection", x->p->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < x->cfg->nconns; i++)
		if (!x->cfg->conns[i].ike.nike) {
			snprintf(err, errlen, "profile %s has no IKE proposals of its own: give %s",
			         x->p->name, load ? "--config FILE" : "--ike PROPOSALS");
			return -EINVAL;
		}
	return 0;
}

/* The connection a responder would use for an offer from src: the one whose peer address it
 * is, else the first. */
static const struct gw_conn *conn_for(const struct explain *x, const struct ip_addr *src)
{
	for (size_t i = 0; i < x->cfg->nconns; i++) {
		const struct ike_endpoint *r = &x->cfg->conns[i].ike.remote;

		if (src->family == AF_INET && r->family == AF_INET && !memcmp(r->addr, src->a, 4))
			return &x->cfg->conns[i];
		if (src->family == AF_INET6 && r->family == AF_INET6 && !memcmp(r->addr, src->a, 16))
			return &x->cfg->conns[i];
	}
	return &x->cfg->conns[0];
}

static void hex8(const uint8_t *c, char out[17])
{
	for (int i = 0; i < 8; i++)
		snprintf(out + 2 * i, 3, "%02x", c[i]);
}

static const char *notify_name(uint16_t t)
{
	switch (t) {
	case ISAKMP_N_NO_PROPOSAL_CHOSEN: return "NO-PROPOSAL-CHOSEN";
	case ISAKMP_N_PAYLOAD_MALFORMED: return "PAYLOAD-MALFORMED";
	case ISAKMP_N_INVALID_ID_INFORMATION: return "INVALID-ID-INFORMATION";
	case ISAKMP_N_AUTHENTICATION_FAILED: return "AUTHENTICATION-FAILED";
	case ISAKMP_N_INITIAL_CONTACT: return "INITIAL-CONTACT";
	default: return "notify";
	}
}

static struct remembered *remembered(struct explain *x, uint64_t frame)
{
	for (size_t i = 0; i < x->nmem; i++)
		if (x->mem[i].frame == frame)
			return &x->mem[i];
	return NULL;
}

static void on_offer(struct explain *x, const struct cap_ike_msg *m)
{
	const struct cap_frame *f = m->f;
	const struct gw_conn *conn = conn_for(x, &f->src);
	const char *mode = m->hdr.exch == ISAKMP_XCHG_AGGR ? "aggressive" : "main";
	struct profile_verdict *v = x->v;
	struct remembered *mem = NULL;
	char src[64], dst[64], ck[17];
	json_t *o = NULL, *trs = NULL;

	profile_explain_sa(x->p, &conn->ike, m->hdr.exch, m->sa, v);
	ip_addr_format(&f->src, src, sizeof src);
	ip_addr_format(&f->dst, dst, sizeof dst);
	hex8(m->hdr.icookie, ck);
	v->accepted ? x->accepted++ : x->refused++;
	if (x->nmem < MAX_REMEMBERED) {
		mem = &x->mem[x->nmem++];
		mem->frame = f->number;
		mem->accepted = v->accepted;
		snprintf(mem->selected, sizeof mem->selected, "%s", v->selected);
	}
	if (x->json) {
		o = json_pack("{sIsssssisisssssss[]}", "frame", (json_int_t)f->number, "src", src,
		              "dst", dst, "sport", f->sport, "dport", f->dport, "exchange", mode,
		              "initiator_cookie", ck, "connection", conn->name, "transforms");
		trs = json_object_get(o, "transforms");
		if (mem)
			mem->obj = o;
	} else {
		printf("frame %" PRIu64 ": %s message 1 from %s:%u to %s:%u (initiator cookie "
		       "%s), judged against connection %s (%s)\n", f->number,
		       m->hdr.exch == ISAKMP_XCHG_AGGR ? "Aggressive Mode" : "Main Mode", src, f->sport, dst,
		       f->dport, ck, conn->name, v->ours);
	}
	for (size_t i = 0; i < v->noffers; i++) {
		const struct profile_offer *t = &v->offer[i];

		if (x->json) {
			json_array_append_new(trs, json_pack("{sisisssbsIss}", "proposal", t->prop_num,
			                      "transform", t->tr_num, "offered", t->offered,
			                      "matches", t->matches, "lifetime",
			                      (json_int_t)(t->life / LAB_NS_PER_SEC), "why", t->why));
			continue;
		}
		printf("  proposal %u transform %u: %s", t->prop_num, t->tr_num, t->offered);
		if (t->life)
			printf(", lifetime %llds", (long long)(t->life / LAB_NS_PER_SEC));
		printf(": %s%s\n", t->matches ? "matches" : "no match: ", t->matches ? "" : t->why);
	}
	if (x->json) {
		json_object_set_new(o, "accepted", json_boolean(v->accepted));
		json_object_set_new(o, "selected", v->accepted ? json_string(v->selected) :
		                                                json_null());
		if (v->accepted) {
			json_object_set_new(o, "selected_proposal", json_integer(v->sel_prop));
			json_object_set_new(o, "selected_transform", json_integer(v->sel_tr));
			json_object_set_new(o, "lifetime",
			                    json_integer((json_int_t)(v->life / LAB_NS_PER_SEC)));
		} else {
			json_object_set_new(o, "reason", json_string(v->reason));
			json_object_set_new(o, "mode_refused", json_boolean(v->mode_refused));
		}
		json_array_append_new(x->offers, o);
	} else if (v->accepted) {
		printf("  verdict: ACCEPTED by %s: selected proposal: %s (proposal %u transform %u), "
		       "lifetime %llds\n", x->p->name, v->selected, v->sel_prop, v->sel_tr,
		       (long long)(v->life / LAB_NS_PER_SEC));
	} else {
		printf("  verdict: REFUSED by %s (%s): %s\n", x->p->name,
		       v->mode_refused ? "no answer to aggressive mode" : "NO-PROPOSAL-CHOSEN",
		       v->reason);
	}
}

static void on_reply(struct explain *x, const struct cap_ike_msg *m)
{
	struct remembered *r = m->offer_frame ? remembered(x, m->offer_frame) : NULL;
	char what[192], cmp[256] = "";

	if (m->kind == CAP_IKE_ANSWER) {
		struct ike_offer o;

		if (!m->sa->nprops || !m->sa->props[0].ntr)
			return;
		ike_offer_decode(&m->sa->props[0].tr[0], false, &o);
		if (o.ok)
			ike_prop_strongswan(&o.prop, false, what, sizeof what);
		else
			snprintf(what, sizeof what, "a transform vpnlab does not know");
		if (r && r->accepted)
			snprintf(cmp, sizeof cmp, strcmp(r->selected, what) ? "%s would select %s" :
			         "%s would select the same", x->p->name, r->selected);
		else if (r)
			snprintf(cmp, sizeof cmp, "%s would refuse it", x->p->name);
	} else {
		snprintf(what, sizeof what, "%s (notify %u)", notify_name(m->notify), m->notify);
		if (r && r->accepted)
			snprintf(cmp, sizeof cmp, "%s would accept it, selecting %s", x->p->name,
			         r->selected);
		else if (r)
			snprintf(cmp, sizeof cmp, "%s would refuse it too", x->p->name);
	}
	if (x->json) {
		json_t *a = json_pack("{sIsIssssss}", "frame", (json_int_t)m->f->number,
		                      "offer_frame", (json_int_t)m->offer_frame, "kind",
		                      m->kind == CAP_IKE_ANSWER ? "selected" : "notify",
		                      "value", what, "comparison", cmp);

		if (r && r->obj)
			json_object_set(r->obj, "capture_answer", a);
		json_array_append_new(x->answers, a);
		return;
	}
	if (!m->offer_frame)
		printf("frame %" PRIu64 ": %s\n", m->f->number, what);
	else
		printf("frame %" PRIu64 ": the capture's responder answered frame %" PRIu64 ": %s%s%s%s\n",
		       m->f->number, m->offer_frame, m->kind == CAP_IKE_ANSWER ? "selected " : "",
		       what, *cmp ? "; " : "", cmp);
}

static void on_msg(void *ctx, const struct cap_ike_msg *m)
{
	if (m->kind == CAP_IKE_OFFER)
		on_offer(ctx, m);
	else
		on_reply(ctx, m);
}

static void esp_text(const struct explain *x, char *buf, size_t len)
{
	const struct ike_policy *pol = &x->cfg->conns[0].ike;
	size_t used = 0;

	buf[0] = 0;
	for (int i = 0; i < pol->nesp && used < len; i++) {
		char one[64];

		ike_prop_format(&pol->esp[i], one, sizeof one);
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", one);
	}
}

static int run(struct explain *x, const char *pcap, char **configs, size_t nconfigs)
{
	struct cap_explain_stats st;
	char err[512], esp[256];
	json_t *doc = NULL;
	int rc;

	if (x->json) {
		x->offers = json_array();
		x->answers = json_array();
	} else {
		printf("explain %s against profile %s", pcap, x->p->name);
		for (size_t i = 0; i < nconfigs; i++)
			printf("%s%s", i ? ", " : " with ", configs[i]);
		printf("\n");
		for (size_t i = 0; i < x->rep.n; i++)
			printf("note: %s\n", x->rep.line[i]);
	}
	rc = cap_explain_walk(pcap, on_msg, x, &st, err, sizeof err);
	if (rc) {
		fprintf(stderr, "vpnlab explain: %s\n", err);
		json_decref(x->offers);
		json_decref(x->answers);
		return EXIT_USAGE;
	}
	esp_text(x, esp, sizeof esp);
	if (x->json) {
		json_t *notes = json_array();

		for (size_t i = 0; i < x->rep.n; i++)
			json_array_append_new(notes, json_string(x->rep.line[i]));
		doc = json_pack("{sssss[]soso}", "capture", pcap, "profile", x->p->name, "config",
		                "offers", x->offers, "capture_answers", x->answers);
		for (size_t i = 0; i < nconfigs; i++)
			json_array_append_new(json_object_get(doc, "config"), json_string(configs[i]));
		json_object_set_new(doc, "notes", notes);
		json_object_set_new(doc, "phase2", json_pack("{sbsIss}", "judged", 0, "encrypted_quick"
		                    "_mode_messages", (json_int_t)st.quick_mode, "profile_esp", esp));
		json_object_set_new(doc, "stats", json_pack("{sIsIsIsIsIsIsI}", "frames",
		                    (json_int_t)st.frames, "isakmp", (json_int_t)st.isakmp, "offers",
		                    (json_int_t)st.offers, "retransmits", (json_int_t)st.retransmits,
		                    "encrypted", (json_int_t)st.encrypted, "malformed",
		                    (json_int_t)st.malformed, "refused", (json_int_t)x->refused));
		json_dumpf(doc, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(doc);
	} else {
		printf("phase 2: not judged: quick mode is encrypted in a capture (%" PRIu64
		       " encrypted quick mode messages here); %s would accept ESP %s\n",
		       st.quick_mode, x->p->name, esp);
		printf("summary: %" PRIu64 " offers, %u accepted, %u refused (%" PRIu64
		       " retransmissions, %" PRIu64 " malformed ISAKMP messages, %" PRIu64
		       " frames)\n", st.offers, x->accepted, x->refused, st.retransmits,
		       st.malformed, st.frames);
		if (!st.offers)
			printf("no main or aggressive mode message 1 in %s\n", pcap);
	}
	return st.offers && !x->refused ? 0 : EXIT_CHECK_FAILED;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' }, { "config", required_argument, NULL, 'c' },
		{ "ike", required_argument, NULL, 'i' }, { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct explain *x = calloc(1, sizeof *x);
	char *configs[MAX_CONFIGS], err[512];
	const char *profile = NULL, *ike = NULL;
	size_t nconfigs = 0;
	int c, code = EXIT_USAGE;

	if (!x)
		return EXIT_ENV;
	x->cfg = calloc(1, sizeof *x->cfg);
	x->v = calloc(1, sizeof *x->v);
	if (!x->cfg || !x->v) {
		code = EXIT_ENV;
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': profile = optarg; break;
		case 'c':
			if (nconfigs == MAX_CONFIGS) {
				fprintf(stderr, "vpnlab explain: at most %d --config\n", MAX_CONFIGS);
				goto out;
			}
			configs[nconfigs++] = optarg;
			break;
		case 'i': ike = optarg; break;
		case 'j': x->json = true; break;
		case 'h': usage(stdout); code = 0; goto out;
		default: usage(stderr); goto out;
		}
	}
	if (optind != argc - 1 || !profile) {
		usage(stderr);
		goto out;
	}
	x->p = profile_find(profile);
	if (!x->p) {
		fprintf(stderr, "vpnlab explain: no profile '%s' (see `vpnlab profiles`)\n", profile);
		goto out;
	}
	if (build_policy(x, configs, nconfigs, ike, err, sizeof err)) {
		fprintf(stderr, "vpnlab explain: %s\n", err);
		goto out;
	}
	code = run(x, argv[optind], configs, nconfigs);
out:
	if (x->cfg) {
		gw_config_wipe(x->cfg);
		free(x->cfg);
	}
	free(x->v);
	free(x);
	return code;
}
