/*
 * yaml_tree.h: a YAML document as a small tree that keeps the position of every node.
 *
 * libyaml's event stream is folded into maps, sequences and scalars, each with its 1-based
 * line and column, so every later error can point at the exact place. Anchors and aliases are
 * refused (a scenario does not need them, and an alias would point errors at the wrong place);
 * tags are refused too. Ownership: the tree owns all of its nodes and strings.
 */
#ifndef VPNLAB_HARNESS_YAML_TREE_H
#define VPNLAB_HARNESS_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

enum ytype {
	Y_SCALAR,
	Y_MAP,
	Y_SEQ,
};

struct ynode {
	enum ytype type;
	int line, col;                  /* 1-based */
	char *text;                     /* Y_SCALAR */
	bool quoted;                    /* Y_SCALAR written in quotes (so never a number/bool) */
	struct ynode **keys;            /* Y_MAP: scalar keys, parallel to items */
	struct ynode **items;           /* Y_MAP values, Y_SEQ items */
	size_t n, cap;
};

/*
 * Parse text into a tree. On a YAML syntax error, returns NULL and writes
 * "LINE:COL: problem" to err. An empty document gives an empty map.
 */
struct ynode *ytree_parse(const char *text, size_t len, char *err, size_t errlen, int *eline,
                          int *ecol);
void ytree_free(struct ynode *n);

/* The value under key in a map, or NULL. */
struct ynode *ytree_get(const struct ynode *map, const char *key);

#endif
