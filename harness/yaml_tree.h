/*
 * yaml_tree.h: one YAML document as a small tree that remembers where everything was written.
 *
 * libyaml gives events with 0-based marks; this keeps every scalar, sequence and map with its
 * 1-based LINE:COL so that later checks can point at the offending value. Only plain data is
 * kept: anchors, aliases and tags are reported as errors (a scenario is meant to be read top to
 * bottom by a person), and so are duplicate map keys and keys that are not scalars. Nesting is
 * limited to YAML_TREE_DEPTH_MAX levels so that walking the tree recursively is safe.
 */
#ifndef VPNLAB_HARNESS_YAML_TREE_H
#define VPNLAB_HARNESS_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>

#define YAML_TREE_DEPTH_MAX 64

enum ynode_type {
	YNODE_SCALAR,
	YNODE_SEQ,
	YNODE_MAP,
	YNODE_BAD,      /* an alias or a rejected node: already reported, skip silently */
};

enum ynode_style {
	YNODE_PLAIN,
	YNODE_QUOTED,   /* 'single' or "double" */
	YNODE_BLOCK,    /* | or > */
	YNODE_FLOW,     /* [..] or {..} */
	YNODE_INDENT,   /* block sequence or map */
};

struct ynode {
	enum ynode_type type;
	enum ynode_style style;
	int line, col;                  /* 1-based, of the node's first character */
	int end_line;                   /* 1-based line of the node's end */
	char *str;                      /* SCALAR: NUL-terminated text */
	size_t len;                     /* SCALAR: length of str */
	struct ynode **kids;            /* SEQ: items; MAP: key, value, key, value, ... */
	size_t n;                       /* number of entries in kids */
};

/* Called for every problem found while building the tree (line, col 1-based). */
typedef void (*yaml_tree_err_fn)(void *arg, int line, int col, const char *msg);

/*
 * Parse one YAML document from buf. Returns the root (caller frees with yaml_tree_free), or
 * NULL if the input is empty, holds a syntax error, or memory ran out (*oom set). Non-fatal
 * problems (tags, anchors, duplicate keys) are reported through err and leave YNODE_BAD or
 * drop the duplicate pair; syntax errors are reported and end the parse.
 */
struct ynode *yaml_tree_parse(const char *buf, size_t len, yaml_tree_err_fn err, void *arg,
                              bool *oom);
void yaml_tree_free(struct ynode *n);

/* Map lookup by key; NULL if absent or n is not a map. Borrowed. */
const struct ynode *yaml_map_get(const struct ynode *map, const char *key);

/* A plain empty scalar, "~" or "null": `key:` with nothing after it. */
bool yaml_is_null(const struct ynode *n);

/* Position of byte offset off inside a one-line plain or quoted scalar (start otherwise). */
void yaml_scalar_pos(const struct ynode *n, size_t off, int *line, int *col);

#endif
