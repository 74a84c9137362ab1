/* yaml_tree.c: libyaml events -> a tree of scalars, sequences and maps with 1-based positions. */
#include "harness/yaml_tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct builder {
	yaml_tree_err_fn err;
	void *arg;
	bool oom;
	bool stop;                      /* a fatal problem: ignore the rest of the input */
	struct ynode *root;
	struct ynode *stack[YAML_TREE_DEPTH_MAX + 1];
	bool stack_bad[YAML_TREE_DEPTH_MAX + 1];
	size_t depth;
};

static void report(struct builder *b, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report(struct builder *b, int line, int col, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	b->err(b->arg, line, col, msg);
}

void yaml_tree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++)
		yaml_tree_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n);
}

static struct ynode *node_new(struct builder *b, enum ynode_type type, const yaml_event_t *ev)
{
	struct ynode *n = calloc(1, sizeof *n);

	if (!n) {
		b->oom = true;
		return NULL;
	}
	n->type = type;
	n->line = (int)ev->start_mark.line + 1;
	n->col = (int)ev->start_mark.column + 1;
	n->end_line = (int)ev->end_mark.line + 1;
	return n;
}

static int kid_push(struct ynode *parent, struct ynode *kid)
{
	if ((parent->n & 15) == 0) {
		struct ynode **k = realloc(parent->kids, (parent->n + 16) * sizeof *k);

		if (!k)
			return -1;
		parent->kids = k;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

static bool same_key(const struct ynode *a, const struct ynode *b)
{
	return a->type == YNODE_SCALAR && b->type == YNODE_SCALAR && a->len == b->len &&
	       memcmp(a->str, b->str, a->len) == 0;
}

/* A map value just arrived: check its key, then drop the pair if the key is unusable. */
static void map_pair_check(struct builder *b, struct ynode *map)
{
	struct ynode *key = map->kids[map->n - 2];
	bool drop = false;

	if (key->type == YNODE_SEQ || key->type == YNODE_MAP) {
		report(b, key->line, key->col, "a map key must be a scalar, not a %s",
		       key->type == YNODE_SEQ ? "sequence" : "map");
		drop = true;
	} else if (key->type == YNODE_BAD) {
		drop = true;
	} else {
		for (size_t i = 0; i + 2 < map->n; i += 2) {
			if (same_key(map->kids[i], key)) {
				report(b, key->line, key->col, "duplicate key '%s' (first at %d:%d)",
				       key->str, map->kids[i]->line, map->kids[i]->col);
				drop = true;
				break;
			}
		}
	}
	if (drop) {
		yaml_tree_free(map->kids[map->n - 1]);
		yaml_tree_free(map->kids[map->n - 2]);
		map->n -= 2;
	}
}

static void attach(struct builder *b, struct ynode *n)
{
	struct ynode *parent;

	if (b->depth == 0) {
		if (b->root)
			yaml_tree_free(b->root);
		b->root = n;
		return;
	}
	parent = b->stack[b->depth - 1];
	if (kid_push(parent, n) < 0) {
		yaml_tree_free(n);
		b->oom = true;
		return;
	}
	if (parent->type == YNODE_MAP && (parent->n & 1) == 0)
		map_pair_check(b, parent);
}

/* Anchors and tags: reported once, the node is kept but marked bad. */
static bool props_bad(struct builder *b, const yaml_event_t *ev, const yaml_char_t *anchor,
                      const yaml_char_t *tag)
{
	int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;

	if (anchor) {
		report(b, line, col, "YAML anchors (&%s) are not supported; write the value out",
		       (const char *)anchor);
		return true;
	}
	if (tag) {
		const char *t = (const char *)tag, *core = "tag:yaml.org,2002:";

		/* Show the tag as written: libyaml expands "!!str" to the core schema URI. */
		if (!strncmp(t, core, strlen(core)))
			report(b, line, col, "YAML tags (!!%s) are not supported; write plain values",
			       t + strlen(core));
		else
			report(b, line, col, "YAML tags (%s) are not supported; write plain values", t);
		return true;
	}
	return false;
}

static void on_scalar(struct builder *b, const yaml_event_t *ev)
{
	const yaml_char_t *tag = ev->data.scalar.tag;
	struct ynode *n;

	/* A non-specific tag "!" on a quoted scalar is libyaml's way of saying "quoted". */
	if (tag && !strcmp((const char *)tag, "!"))
		tag = NULL;
	n = node_new(b, YNODE_SCALAR, ev);
	if (!n)
		return;
	if (props_bad(b, ev, ev->data.scalar.anchor, tag)) {
		n->type = YNODE_BAD;
	} else if (memchr(ev->data.scalar.value, 0, ev->data.scalar.length)) {
		report(b, n->line, n->col, "a value contains a NUL character");
		n->type = YNODE_BAD;
	} else {
		n->str = malloc(ev->data.scalar.length + 1);
		if (!n->str) {
			free(n);
			b->oom = true;
			return;
		}
		memcpy(n->str, ev->data.scalar.value, ev->data.scalar.length);
		n->str[ev->data.scalar.length] = 0;
		n->len = ev->data.scalar.length;
		switch (ev->data.scalar.style) {
		case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
			n->style = YNODE_QUOTED;
			break;
		case YAML_LITERAL_SCALAR_STYLE:
		case YAML_FOLDED_SCALAR_STYLE:
			n->style = YNODE_BLOCK;
			break;
		default:
			n->style = YNODE_PLAIN;
			break;
		}
	}
	attach(b, n);
}

static void on_start(struct builder *b, const yaml_event_t *ev, enum ynode_type type)
{
	struct ynode *n;
	bool bad, flow;

	if (b->depth == YAML_TREE_DEPTH_MAX) {
		report(b, (int)ev->start_mark.line + 1, (int)ev->start_mark.column + 1,
		       "nesting deeper than %d levels", YAML_TREE_DEPTH_MAX);
		b->stop = true;
		return;
	}
	if (type == YNODE_SEQ) {
		bad = props_bad(b, ev, ev->data.sequence_start.anchor, ev->data.sequence_start.tag);
		flow = ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	} else {
		bad = props_bad(b, ev, ev->data.mapping_start.anchor, ev->data.mapping_start.tag);
		flow = ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE;
	}
	n = node_new(b, type, ev);
	if (!n)
		return;
	n->style = flow ? YNODE_FLOW : YNODE_INDENT;
	b->stack_bad[b->depth] = bad;
	b->stack[b->depth++] = n;
}

static void on_end(struct builder *b, const yaml_event_t *ev)
{
	struct ynode *n;

	if (b->depth == 0)
		return;
	n = b->stack[--b->depth];
	n->end_line = (int)ev->end_mark.line + 1;
	if (b->stack_bad[b->depth]) {
		for (size_t i = 0; i < n->n; i++)
			yaml_tree_free(n->kids[i]);
		free(n->kids);
		n->kids = NULL;
		n->n = 0;
		n->type = YNODE_BAD;
	}
	attach(b, n);
}

/* libyaml reports reader errors (bad UTF-8) by byte offset only. */
static void offset_pos(const char *buf, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off && i < len; i++) {
		if (buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void report_parser_error(struct builder *b, const yaml_parser_t *p, const char *buf,
                                size_t len)
{
	int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
	const char *problem = p->problem ? p->problem : "unknown problem";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		b->oom = true;
		return;
	case YAML_READER_ERROR:
		offset_pos(buf, len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			report(b, line, col, "YAML error: %s (#%X at byte %zu)", problem,
			       (unsigned)p->problem_value, p->problem_offset);
		else
			report(b, line, col, "YAML error: %s (at byte %zu)", problem,
			       p->problem_offset);
		return;
	default:
		if (p->context)
			report(b, line, col, "YAML syntax error: %s (%s at %d:%d)", problem,
			       p->context, (int)p->context_mark.line + 1,
			       (int)p->context_mark.column + 1);
		else
			report(b, line, col, "YAML syntax error: %s", problem);
		return;
	}
}

struct ynode *yaml_tree_parse(const char *buf, size_t len, yaml_tree_err_fn err, void *arg,
                              bool *oom)
{
	struct builder b = { .err = err, .arg = arg };
	yaml_parser_t parser;
	yaml_event_t ev;
	int docs = 0;
	bool done = false, failed = false;

	*oom = false;
	if (!yaml_parser_initialize(&parser)) {
		*oom = true;
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	while (!done && !b.stop && !b.oom) {
		if (!yaml_parser_parse(&parser, &ev)) {
			report_parser_error(&b, &parser, buf, len);
			failed = true;
			break;
		}
		switch (ev.type) {
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				report(&b, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
				       "a second YAML document; a scenario file holds exactly one");
				b.stop = true;
			}
			break;
		case YAML_ALIAS_EVENT: {
			struct ynode *n = node_new(&b, YNODE_BAD, &ev);

			report(&b, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
			       "YAML aliases (*%s) are not supported; write the value out",
			       (const char *)ev.data.alias.anchor);
			if (n)
				attach(&b, n);
			break;
		}
		case YAML_SCALAR_EVENT:
			on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			on_start(&b, &ev, YNODE_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			on_start(&b, &ev, YNODE_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			on_end(&b, &ev);
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	/* Containers still open after a stop: free them bottom up (they are not attached). */
	while (b.depth > 0)
		yaml_tree_free(b.stack[--b.depth]);
	if (failed || b.oom || b.stop) {
		/* A stop after a complete first document keeps that document. */
		if (failed || b.oom || docs < 2) {
			yaml_tree_free(b.root);
			b.root = NULL;
		}
	}
	*oom = b.oom;
	return b.root;
}

const struct ynode *yaml_map_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != YNODE_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->kids[i]->type == YNODE_SCALAR && !strcmp(map->kids[i]->str, key))
			return map->kids[i + 1];
	return NULL;
}

bool yaml_is_null(const struct ynode *n)
{
	return n->type == YNODE_SCALAR && n->style == YNODE_PLAIN &&
	       (n->len == 0 || !strcmp(n->str, "~") || !strcmp(n->str, "null"));
}

void yaml_scalar_pos(const struct ynode *n, size_t off, int *line, int *col)
{
	*line = n->line;
	*col = n->col;
	if (n->type != YNODE_SCALAR || n->end_line != n->line || off > n->len)
		return;
	if (n->style == YNODE_PLAIN)
		*col = n->col + (int)off;
	else if (n->style == YNODE_QUOTED && !strpbrk(n->str, "\\'\""))
		*col = n->col + 1 + (int)off;
}
