/*
 * yaml_tree.c: libyaml events into a positioned tree (see yaml_tree.h).
 */
#include "harness/yaml_tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define YTREE_MAX_DEPTH 64

static struct ynode *node_new(enum ytype type, const yaml_mark_t *m)
{
	struct ynode *n = calloc(1, sizeof *n);

	if (n) {
		n->type = type;
		n->line = (int)m->line + 1;
		n->col = (int)m->column + 1;
	}
	return n;
}

void ytree_free(struct ynode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys)
			ytree_free(n->keys[i]);
		ytree_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->text);
	free(n);
}

static int push(struct ynode *parent, struct ynode *key, struct ynode *item)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? 2 * parent->cap : 8;
		struct ynode **items = realloc(parent->items, cap * sizeof *items);

		if (!items)
			return -1;
		parent->items = items;
		if (parent->type == Y_MAP) {
			struct ynode **keys = realloc(parent->keys, cap * sizeof *keys);

			if (!keys)
				return -1;
			parent->keys = keys;
		}
		parent->cap = cap;
	}
	if (parent->type == Y_MAP)
		parent->keys[parent->n] = key;
	parent->items[parent->n++] = item;
	return 0;
}

struct ynode *ytree_get(const struct ynode *map, const char *key)
{
	if (!map || map->type != Y_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (map->keys[i]->type == Y_SCALAR && !strcmp(map->keys[i]->text, key))
			return map->items[i];
	return NULL;
}

struct ynode *ytree_parse(const char *text, size_t len, char *err, size_t errlen, int *eline,
                          int *ecol)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct ynode *stack[YTREE_MAX_DEPTH];
	struct ynode *pending_key[YTREE_MAX_DEPTH];
	struct ynode *root = NULL;
	int depth = 0;
	bool done = false, failed = false;

	*eline = *ecol = 0;
	if (!yaml_parser_initialize(&p)) {
		snprintf(err, errlen, "cannot initialise the YAML parser");
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	while (!done && !failed) {
		struct ynode *n = NULL;

		if (!yaml_parser_parse(&p, &ev)) {
			*eline = (int)p.problem_mark.line + 1;
			*ecol = (int)p.problem_mark.column + 1;
			snprintf(err, errlen, "YAML syntax: %s%s%s", p.problem ? p.problem : "error",
			         p.context ? " " : "", p.context ? p.context : "");
			failed = true;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			*eline = (int)ev.start_mark.line + 1;
			*ecol = (int)ev.start_mark.column + 1;
			snprintf(err, errlen, "YAML aliases (*%s) are not supported in scenario files: "
			         "write the value out", (const char *)ev.data.alias.anchor);
			failed = true;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			const yaml_char_t *anchor = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.anchor :
			        ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor :
			        ev.data.mapping_start.anchor;
			const yaml_char_t *tag = ev.type == YAML_SCALAR_EVENT ? ev.data.scalar.tag :
			        ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.tag :
			        ev.data.mapping_start.tag;

			if (anchor || tag) {
				*eline = (int)ev.start_mark.line + 1;
				*ecol = (int)ev.start_mark.column + 1;
				snprintf(err, errlen, "YAML %s (%s%s) are not supported in scenario files",
				         anchor ? "anchors" : "tags", anchor ? "&" : "",
				         anchor ? (const char *)anchor : (const char *)tag);
				failed = true;
				break;
			}
			n = node_new(ev.type == YAML_SCALAR_EVENT ? Y_SCALAR :
			             ev.type == YAML_SEQUENCE_START_EVENT ? Y_SEQ : Y_MAP, &ev.start_mark);
			if (!n) {
				failed = true;
				break;
			}
			if (ev.type == YAML_SCALAR_EVENT) {
				n->text = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
				n->quoted = ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
				            ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
				if (!n->text) {
					free(n);
					failed = true;
					break;
				}
			}
			/* attach to the parent */
			if (depth == 0) {
				if (root) {
					ytree_free(n);
					*eline = (int)ev.start_mark.line + 1;
					*ecol = (int)ev.start_mark.column + 1;
					snprintf(err, errlen, "more than one YAML document in the file");
					failed = true;
					break;
				}
				root = n;
			} else {
				struct ynode *par = stack[depth - 1];

				if (par->type == Y_MAP && !pending_key[depth - 1]) {
					if (n->type != Y_SCALAR) {
						*eline = n->line;
						*ecol = n->col;
						snprintf(err, errlen, "a map key must be a plain name");
						ytree_free(n);
						failed = true;
						break;
					}
					pending_key[depth - 1] = n;
					n = NULL;       /* a key opens nothing */
				} else {
					struct ynode *key = par->type == Y_MAP ? pending_key[depth - 1] : NULL;

					if (push(par, key, n) < 0) {
						ytree_free(n);
						failed = true;
						break;
					}
					pending_key[depth - 1] = NULL;
				}
			}
			if (n && n->type != Y_SCALAR) {
				if (depth == YTREE_MAX_DEPTH) {
					*eline = n->line;
					*ecol = n->col;
					snprintf(err, errlen, "nested deeper than %d levels", YTREE_MAX_DEPTH);
					failed = true;
					break;
				}
				pending_key[depth] = NULL;
				stack[depth++] = n;
			}
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	if (failed) {
		for (int d = 0; d < depth; d++)
			ytree_free(pending_key[d]);
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		ytree_free(root);
		return NULL;
	}
	if (!root) {
		yaml_mark_t m = { 0, 0, 0 };

		root = node_new(Y_MAP, &m);
	}
	return root;
}
