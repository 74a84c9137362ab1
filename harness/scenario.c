/*
 * scenario.c: scenario_load(): read the file, build the YAML tree, extract the top level, then
 * hand topology and steps to their phases (scenario_int.h). Lookups and scenario_free().
 */
#include "harness/scenario_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SC_FILE_MAX (16u << 20)         /* a scenario is a page or two; 16 MiB is a mistake */

static const char *const top_keys[] = {
	"name", "description", "seed", "clock", "timeout", "topology", "clouds",
	"gateways", "steps", "expect", NULL
};

static void tree_err(void *arg, int line, int col, const char *msg)
{
	sc_err_at(arg, line, col, "%s", msg);
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nnodes; i++) {
		free(sc->nodes[i].routes);
		free(sc->nodes[i].filters);
	}
	free(sc->nodes);
	free(sc->segments);
	free(sc->links);
	free(sc->expects);
	scenario_steps_free_cloud(sc);
	for (size_t i = 0; i < sc->nsteps; i++)
		if (sc->steps[i].kind == SC_STEP_RECONFIGURE) {
			struct sc_reconfigure *r = &sc->steps[i].u.reconf;

			free(r->config);
			if (r->conns)
				explicit_bzero(r->conns, r->nconns * sizeof *r->conns);
			free(r->conns);
		}
	free(sc->steps);
	scenario_gateways_free(sc);
	free(sc->description);
	free(sc->file);
	free(sc);
}

const struct sc_node *scenario_node(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nnodes; i++)
		if (!strcmp(sc->nodes[i].name, name))
			return &sc->nodes[i];
	return NULL;
}

const struct sc_segment *scenario_segment(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nsegments; i++)
		if (!strcmp(sc->segments[i].name, name))
			return &sc->segments[i];
	return NULL;
}

static void top_load(struct sc_ctx *c, const struct ynode *root)
{
	struct scenario *sc = c->sc;
	const struct ynode *v;

	sc_check_keys(c, root, "the top level", top_keys);

	v = yaml_map_get(root, "name");
	if (!v) {
		sc_err(c, root, "missing key 'name' at the top level (the scenario's name)");
	} else if (sc_want_scalar(c, v, "name")) {
		const char *why = sc_name_problem(v->str, v->len, sizeof sc->name);

		if (why && v->len >= sizeof sc->name)
			why = "is longer than 63 characters";
		if (why)
			sc_err(c, v, "name '%s' %s", v->str, why);
		else
			memcpy(sc->name, v->str, v->len + 1);
	}

	v = yaml_map_get(root, "description");
	if (v && !yaml_is_null(v) && sc_want_scalar(c, v, "description")) {
		sc->description = strdup(v->str);
		if (!sc->description)
			c->oom = true;
	}

	sc->seed = 1;
	v = yaml_map_get(root, "seed");
	if (v && sc_read_u64(c, v, "seed", UINT64_MAX, &sc->seed))
		sc->has_seed = true;

	sc->clock = SC_CLOCK_VIRTUAL;
	v = yaml_map_get(root, "clock");
	if (v && sc_want_scalar(c, v, "clock")) {
		if (!strcmp(v->str, "virtual"))
			sc->clock = SC_CLOCK_VIRTUAL;
		else if (!strcmp(v->str, "real"))
			sc->clock = SC_CLOCK_REAL;
		else
			sc_err(c, v, "clock: expected virtual or real, got '%s'", v->str);
	}

	v = yaml_map_get(root, "timeout");
	if (v)
		sc_read_duration(c, v, "timeout", false, &sc->timeout);

	v = yaml_map_get(root, "topology");
	if (!v)
		sc_err(c, root, "missing key 'topology' at the top level (nodes and links)");
	else
		sc_topology_load(c, v);

	v = yaml_map_get(root, "clouds");
	if (v && !yaml_is_null(v))
		sc_clouds_load(c, v);

	v = yaml_map_get(root, "gateways");
	if (v && !yaml_is_null(v))
		sc_gateways_load(c, v);

	v = yaml_map_get(root, "steps");
	if (v && !yaml_is_null(v))
		sc_steps_load(c, v);

	v = yaml_map_get(root, "expect");   /* after the topology: endpoints name its nodes */
	if (v && !yaml_is_null(v))
		sc_expect_load(c, v);
}

int scenario_load_buffer(const char *name, const char *text, size_t len,
                         struct scenario **out, struct sc_diags *diags)
{
	struct sc_ctx c = { .d = diags, .text = text, .text_len = len };
	size_t first = diags->n;
	struct ynode *root = NULL;
	int ret;

	*out = NULL;
	c.sc = calloc(1, sizeof *c.sc);
	if (!c.sc)
		return -ENOMEM;
	c.sc->file = strdup(name);
	if (!c.sc->file) {
		free(c.sc);
		return -ENOMEM;
	}
	root = yaml_tree_parse(text, len, tree_err, &c, &c.oom);
	if (root && root->type == YNODE_MAP)
		top_load(&c, root);
	else if (root && root->type == YNODE_SCALAR && yaml_is_null(root))
		sc_err(&c, root, "the file is empty: expected a map with name and topology");
	else if (root && root->type != YNODE_BAD)
		sc_err(&c, root, "the top level must be a map (name:, topology:, steps:), got %s",
		       root->type == YNODE_SEQ ? "a list" : "a single value");
	else if (!root && diags->n == first && !c.oom)
		sc_err_at(&c, 1, 1, "the file is empty: expected a map with name and topology");
	sc_diags_sort(diags, first, strlen(name));

	if (c.oom)
		ret = -ENOMEM;
	else if (diags->n > first)
		ret = -EINVAL;
	else
		ret = 0;
	yaml_tree_free(root);
	free(c.lpos);
	if (ret == 0)
		*out = c.sc;
	else
		scenario_free(c.sc);
	return ret;
}

static int diag_plain(struct sc_diags *d, const char *path, int err, const char *what)
{
	char **l;
	char *s;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;

		l = realloc(d->lines, cap * sizeof *l);
		if (!l)
			return -ENOMEM;
		d->lines = l;
		d->cap = cap;
	}
	if (asprintf(&s, "%s: %s: %s", path, what, strerror(err)) < 0)
		return -ENOMEM;
	d->lines[d->n++] = s;
	return -err;
}

int scenario_load(const char *path, struct scenario **out, struct sc_diags *diags)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int ret;

	*out = NULL;
	f = fopen(path, "r");
	if (!f)
		return diag_plain(diags, path, errno, "cannot open");
	for (;;) {
		size_t got;

		if (len == cap) {
			char *b;

			if (cap >= SC_FILE_MAX) {
				ret = diag_plain(diags, path, EFBIG, "cannot read");
				goto out;
			}
			cap = cap ? cap * 2 : 8192;
			b = realloc(buf, cap);
			if (!b) {
				ret = -ENOMEM;
				goto out;
			}
			buf = b;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		ret = diag_plain(diags, path, errno ? errno : EIO, "cannot read");
		goto out;
	}
	ret = scenario_load_buffer(path, buf, len, out, diags);
out:
	fclose(f);
	free(buf);
	return ret;
}
