/*
 * FITELnet F220 CLI importer: the line reader and the public API (fitelnet_config.h).
 * Lines -> words -> a match against the command table of the current mode
 * (fitelnet_commands.c) -> a handler that sets one field. When nothing matches, the command
 * that got furthest explains the error: which word, at which column, what was expected.
 */
#include "peers/fitelnet/fitelnet_cli.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "a|b|c" of the first words of a mode's commands (with exit/end inside blocks). */
static void first_words(enum fitelnet_mode mode, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < fitelnet_ncmds; i++) {
		const char *s = fitelnet_cmds[i].syntax, *sp = strchr(s, ' ');
		size_t wl = sp ? (size_t)(sp - s) : strlen(s);
		bool seen = false;

		if (fitelnet_cmds[i].mode != mode)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = fitelnet_cmds[j].mode == mode && strncmp(fitelnet_cmds[j].syntax, s, wl) == 0 &&
			       (fitelnet_cmds[j].syntax[wl] == ' ' || fitelnet_cmds[j].syntax[wl] == '\0');
		if (seen)
			continue;
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%.*s",
		                         used ? "|" : "", (int)wl, s);
		if (used >= cap)
			return;
	}
	if (mode != MODE_GLOBAL)
		snprintf(out + used, used < cap ? cap - used : 0, "|exit|end");
}

/* One command line (already split into words). */
static void line_run(struct fitelnet_cli *p, const struct fitelnet_tok *t, size_t n)
{
	struct fitelnet_val vals[FITELNET_TOK_MAX + 2], best_vals[FITELNET_TOK_MAX + 2];
	struct fitelnet_match m, best = { .rank = -1 };
	const struct fitelnet_cmd *hit = NULL, *best_cmd = NULL;
	const struct fitelnet_cmd *cand[64];
	char expected[FITELNET_DIAG_TEXT];
	size_t nv, used = 0, ncand;
	enum fitelnet_mode mode = p->mode;
	const struct fitelnet_tok *bad;
	const char *mname;

	if (mode == MODE_SKIP) {
		/* Lines of a block whose opening failed: only leaving it matters. */
		if (fitelnet_tok_is(&t[0], "exit", 4) || fitelnet_tok_is(&t[0], "end", 3) || t[0].col == 1)
			p->mode = MODE_GLOBAL;
		if (t[0].col != 1 || fitelnet_tok_is(&t[0], "exit", 4) || fitelnet_tok_is(&t[0], "end", 3))
			return;
		mode = MODE_GLOBAL;
	}
	mname = fitelnet_mode_name[mode];
	if (mode != MODE_GLOBAL && (fitelnet_tok_is(&t[0], "exit", 4) || fitelnet_tok_is(&t[0], "end", 3))) {
		if (n > 1) {
			fitelnet_cli_error(p, t[1].col, "unexpected '%.*s' after '%.*s' in %s "
			                   "(expected: %.*s)", (int)t[1].len, t[1].s, (int)t[0].len, t[0].s,
			                   mname, (int)t[0].len, t[0].s);
			return;
		}
		p->mode = MODE_GLOBAL;
		return;
	}
	for (int pass = 0; pass < 2 && !hit; pass++) {
		enum fitelnet_mode pm = pass == 0 ? mode : MODE_GLOBAL;

		if (pass == 1 && mode == MODE_GLOBAL)
			break;
		for (size_t i = 0; i < fitelnet_ncmds; i++) {
			if (fitelnet_cmds[i].mode != pm)
				continue;
			fitelnet_syntax_match(fitelnet_cmds[i].syntax, t, n, vals, &nv, &m);
			if (m.why == M_FULL) {
				hit = &fitelnet_cmds[i];
				memcpy(best_vals, vals, sizeof vals);
				break;
			}
			/* Inside a block, the block's own commands explain errors best. */
			if (pass == 0 && m.rank > best.rank) {
				best = m;
				best_cmd = &fitelnet_cmds[i];
			}
		}
	}
	if (hit) {
		if (hit->mode == MODE_GLOBAL)
			p->mode = MODE_GLOBAL;  /* a global command leaves the open block */
		hit->fn(p, best_vals);
		return;
	}
	if (best.rank <= 0 || !best_cmd) {
		first_words(mode, expected, sizeof expected);
		fitelnet_cli_error(p, t[0].col, "unknown command '%s' in %s (expected: %s)", p->text,
		                   fitelnet_mode_name[mode], expected);
		/* An unknown top-level block: its indented lines would only repeat the error. */
		if (mode == MODE_GLOBAL && t[0].col == 1)
			p->mode = MODE_SKIP;
		return;
	}
	/*
	 * Every command of the mode that got as far as the best one is a candidate: one or two
	 * are shown whole; more (`set foo` in an ipsec policy) as the words allowed at that point.
	 */
	expected[0] = '\0';
	ncand = 0;
	for (size_t i = 0; i < fitelnet_ncmds; i++) {
		if (fitelnet_cmds[i].mode != mode)
			continue;
		fitelnet_syntax_match(fitelnet_cmds[i].syntax, t, n, vals, &nv, &m);
		if (m.rank == best.rank && ncand < sizeof cand / sizeof cand[0])
			cand[ncand++] = &fitelnet_cmds[i];
	}
	if (ncand <= 2 || best.why != M_KEYWORD) {
		for (size_t i = 0; i < ncand; i++)
			used += (size_t)snprintf(expected + used, used < sizeof expected ? sizeof expected - used : 0,
			                         "%s%s", used ? "; " : "", cand[i]->syntax);
	} else {
		for (size_t i = 0; i < ncand; i++) {
			const char *e, *e2;
			size_t el, el2;
			bool dup = false;

			fitelnet_syntax_elem_at(cand[i]->syntax, best.at, &e, &el);
			for (size_t j = 0; j < i && !dup; j++) {
				fitelnet_syntax_elem_at(cand[j]->syntax, best.at, &e2, &el2);
				dup = el == el2 && memcmp(e, e2, el) == 0;
			}
			if (!dup)
				used += (size_t)snprintf(expected + used,
				                         used < sizeof expected ? sizeof expected - used : 0,
				                         "%s%.*s", used ? "|" : "", (int)el, e);
		}
		if (used < sizeof expected)
			snprintf(expected + used, sizeof expected - used, " after '%.*s'",
			         (int)(t[best.at - 1].s + t[best.at - 1].len - t[0].s), t[0].s);
	}
	bad = best.at < n ? &t[best.at] : &t[n - 1];
	switch (best.why) {
	case M_KEYWORD:
		fitelnet_cli_error(p, bad->col, "unknown command '%s' in %s at '%.*s' (expected: %s)",
		                   p->text, mname, (int)bad->len, bad->s, expected);
		break;
	case M_VALUE:
		fitelnet_cli_error(p, bad->col, "invalid value '%.*s' in '%s' in %s: %s (expected: %s)",
		                   (int)bad->len, bad->s, p->text, mname, best.detail, expected);
		break;
	case M_MISSING:
		/* The column where the missing word would start. */
		fitelnet_cli_error(p, t[n - 1].col + (unsigned)t[n - 1].len + 1, "incomplete command "
		                   "'%s' in %s (expected: %s)", p->text, mname, expected);
		break;
	case M_EXTRA:
		fitelnet_cli_error(p, bad->col, "unexpected '%.*s' at the end of '%s' in %s "
		                   "(expected: %s)", (int)bad->len, bad->s, p->text, mname, expected);
		break;
	case M_FULL:
		break;
	}
	if (mode == MODE_GLOBAL && fitelnet_cmd_opens_block(best_cmd))
		p->mode = MODE_SKIP;
}

/* Split one physical line into words; comments, blank lines and bad bytes handled here. */
static void line_split(struct fitelnet_cli *p, const char *s, size_t len)
{
	struct fitelnet_tok t[FITELNET_TOK_MAX];
	size_t n = 0, i = 0, tl = 0;

	if (len && s[len - 1] == '\r')          /* CRLF pasted from a terminal */
		len--;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] == '!')
		return;
	for (size_t k = i; k < len; k++) {
		unsigned char ch = (unsigned char)s[k];

		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			fitelnet_cli_error(p, (unsigned)k + 1, "invalid byte 0x%02x in a command (only "
			                   "printable ASCII, or a comment line starting with '!')", ch);
			if (p->mode == MODE_GLOBAL && i == 0)
				p->mode = MODE_SKIP;
			return;
		}
	}
	while (i < len) {
		size_t start = i;

		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (n == FITELNET_TOK_MAX) {
			fitelnet_cli_error(p, (unsigned)start + 1, "too many words in one command (at most %d)",
			                   FITELNET_TOK_MAX);
			return;
		}
		t[n].s = s + start;
		t[n].len = i - start;
		t[n].col = (unsigned)start + 1;
		n++;
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	/* The command as echoed in messages: words joined by one space, the key hidden. */
	p->text[0] = '\0';
	for (size_t k = 0; k < n && tl < FITELNET_LINE_SHOW; k++) {
		bool secret = k > 0 && fitelnet_tok_is(&t[k - 1], "local-key", 9);

		tl += (size_t)snprintf(p->text + tl, sizeof p->text - tl, "%s%.*s", k ? " " : "",
		                       secret ? 3 : (int)t[k].len, secret ? "***" : t[k].s);
	}
	if (tl >= FITELNET_LINE_SHOW)
		memcpy(p->text + FITELNET_LINE_SHOW - 3, "...", 4);
	line_run(p, t, n);
}

static void text_run(struct fitelnet_cli *p, const char *text, size_t len)
{
	size_t i = 0;

	p->line = 0;
	p->mode = MODE_GLOBAL;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - (text + i)) : len - i;

		p->line++;
		line_split(p, text + i, ll);
		i += ll + (nl ? 1 : 0);
	}
}

/* ---- public ------------------------------------------------------------------------------- */

void fitelnet_config_init(struct fitelnet_config *c)
{
	memset(c, 0, sizeof *c);
}

void fitelnet_config_wipe(struct fitelnet_config *c)
{
	OPENSSL_cleanse(c, sizeof *c);
	fitelnet_config_init(c);
}

int fitelnet_config_apply(struct fitelnet_config *c, const char *name, const char *text, size_t len,
                          struct fitelnet_diags *d)
{
	struct fitelnet_config *scratch = NULL;
	struct fitelnet_cli p;
	size_t errors_before = d->errors;
	int rc = 0;

	name = name ? name : "-";
	if (c->n_src >= FITELNET_SRC_MAX) {
		fitelnet_diags_add(d, FITELNET_ERROR, name, 0, 0, "too many config texts applied onto "
		                   "one config (at most %d)", FITELNET_SRC_MAX);
		return -E2BIG;
	}
	scratch = malloc(sizeof *scratch);
	if (!scratch) {
		fitelnet_diags_add(d, FITELNET_ERROR, name, 0, 0, "out of memory");
		return -ENOMEM;
	}
	memcpy(scratch, c, sizeof *c);
	snprintf(scratch->src_name[scratch->n_src], sizeof scratch->src_name[0], "%s", name);
	memset(&p, 0, sizeof p);
	p.c = scratch;
	p.d = d;
	p.name = name;
	p.src = (uint8_t)scratch->n_src++;
	text_run(&p, text ? text : "", text ? len : 0);
	if (d->errors != errors_before) {
		rc = -EINVAL;
		goto out;
	}
	memcpy(c, scratch, sizeof *c);
out:
	OPENSSL_cleanse(scratch, sizeof *scratch);
	free(scratch);
	return rc;
}

int fitelnet_parse(const char *name, const char *text, size_t len, struct fitelnet_config *out,
                   struct fitelnet_diags *d)
{
	fitelnet_config_init(out);
	return fitelnet_config_apply(out, name, text, len, d);
}

#define LOOKUP(type, fn, arr, cnt)                                                          \
	const type *fn(const struct fitelnet_config *c, const char *name)                    \
	{                                                                                  \
		for (size_t i = 0; i < c->cnt; i++)                                        \
			if (strcmp(c->arr[i].name, name) == 0)                             \
				return &c->arr[i];                                         \
		return NULL;                                                               \
	}

LOOKUP(struct fitelnet_ipsec_policy, fitelnet_config_ipsec_policy, ipsec_policy, n_ipsec_policy)
LOOKUP(struct fitelnet_selector, fitelnet_config_selector, selector, n_selector)
LOOKUP(struct fitelnet_isakmp_policy, fitelnet_config_isakmp_policy, isakmp_policy, n_isakmp_policy)
LOOKUP(struct fitelnet_isakmp_profile, fitelnet_config_profile, profile, n_profile)
LOOKUP(struct fitelnet_map, fitelnet_config_map, map, n_map)
