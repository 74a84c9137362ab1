/*
 * scenario_config_text.c: a vendor config text pasted into the scenario as a block scalar
 * (`config: |`), and the importer's NAME:LINE:COL diagnostics put back at the place in the
 * scenario file where the offending CLI line was written.
 */
#include "harness/scenario_int.h"

#include <stdio.h>
#include <string.h>

#include "peers/fitelnet/fitelnet_diag.h"

/* Byte offset of the start of 1-based line `line` in text, or len when there is none. */
static size_t line_start(const char *text, size_t len, int line)
{
	size_t off = 0;

	for (int l = 1; l < line && off < len; off++)
		if (text[off] == '\n')
			l++;
	return off;
}

void sc_text_map_of(struct sc_ctx *c, const struct ynode *n, struct sc_text_map *m)
{
	memset(m, 0, sizeof *m);
	m->at = sc_pos_of(c, n);
	if (n->style == YNODE_BLOCK && c->text) {
		/* libyaml marks a block scalar at its indicator (`|`), on the key's line: the
		 * text's line k is the file's line n->line + k, every line indented like the first
		 * one that is not blank (YAML 1.2 8.1.1.1) */
		size_t off = line_start(c->text, c->text_len, n->line + 1);

		m->block = true;
		m->line0 = n->line;
		while (off < c->text_len) {
			size_t sp = 0;

			while (off + sp < c->text_len && c->text[off + sp] == ' ')
				sp++;
			if (off + sp < c->text_len && c->text[off + sp] != '\n' &&
			    c->text[off + sp] != '\r') {
				m->indent = (int)sp;
				break;
			}
			off += sp;
			while (off < c->text_len && c->text[off] != '\n')
				off++;
			off++;
		}
		return;
	}
	/* a one-line scalar: its line 1 is the scalar's line, columns after its start (and
	 * after the quote) */
	m->line0 = n->line - 1;
	m->indent = n->col - 1 + (n->style == YNODE_QUOTED);
}

size_t sc_fitelnet_diags_report(struct sc_ctx *c, const struct fitelnet_diags *d,
                                const struct sc_text_map *const *maps, size_t n)
{
	size_t reported = 0;

	for (size_t i = 0; i < d->n; i++) {
		const struct fitelnet_diag *x = &d->d[i];
		const struct sc_text_map *m;
		const char *msg = x->text;
		unsigned src;
		int used = 0;
		char prefix[48];

		if (x->severity != FITELNET_ERROR)
			continue;
		/* the texts are named "#0", "#1", ...: the name says which map applies */
		if (sscanf(x->text, "#%u%n", &src, &used) != 1 || src >= n)
			continue;
		m = maps[src];
		if (x->line)
			snprintf(prefix, sizeof prefix, "#%u:%u:%u: ", src, x->line, x->col);
		else
			snprintf(prefix, sizeof prefix, "#%u: ", src);
		if (!strncmp(msg, prefix, strlen(prefix)))
			msg += strlen(prefix);
		if (x->line && (m->block || x->line == 1))
			sc_err_at(c, m->line0 + (int)x->line, m->indent + (int)x->col, "config: %s",
			          msg);
		else
			sc_err_pos(c, &m->at, "config: %s", msg);
		reported++;
	}
	if (d->dropped)
		sc_err_pos(c, &maps[0]->at, "config: %zu more diagnostics not shown", d->dropped);
	return reported;
}
