/*
 * report.c: terminal lines, JUnit XML and JSON for a run (see report.h).
 */
#include "harness/report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

void report_init(struct report *r, const struct scenario *sc, uint64_t seed)
{
	memset(r, 0, sizeof *r);
	snprintf(r->file, sizeof r->file, "%s", sc->file);
	snprintf(r->name, sizeof r->name, "%s", sc->name);
	r->seed = seed;
	r->virtual_clock = sc->clock == SC_CLOCK_VIRTUAL;
	r->steps = calloc(sc->nsteps ? sc->nsteps : 1, sizeof *r->steps);
	if (!r->steps)
		abort();
}

void report_free(struct report *r)
{
	free(r->steps);
	free(r->checks);
	free(r->captures);
	free(r->events);
	free(r->gw_conns);
	for (size_t i = 0; i < r->nshows; i++) {
		explicit_bzero(r->shows[i].text, strlen(r->shows[i].text));
		free(r->shows[i].text);
	}
	free(r->shows);
	memset(r, 0, sizeof *r);
}

struct check *report_check(struct report *r, struct step_result *s, bool pass, const char *name)
{
	struct check *c;

	if (r->nchecks == r->capchecks) {
		size_t cap = r->capchecks ? 2 * r->capchecks : 16;

		c = realloc(r->checks, cap * sizeof *c);
		if (!c)
			abort();
		r->checks = c;
		r->capchecks = cap;
	}
	if (s && s->nchecks == 0)
		s->first_check = r->nchecks;
	if (s)
		s->nchecks++;
	c = &r->checks[r->nchecks++];
	memset(c, 0, sizeof *c);
	c->pass = pass;
	snprintf(c->name, sizeof c->name, "%s", name);
	return c;
}

size_t report_failed(const struct report *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nchecks; i++)
		n += !r->checks[i].pass;
	return n;
}

void report_event(struct report *r, const struct report_out *o, lab_ns at, const char *source,
                  const char *kind, const char *text)
{
	struct report_event *e;
	char t[32];

	if (o && o->tty) {
		report_fmt_time(at, t, sizeof t);
		if (o->is_tty)
			fprintf(o->tty, "\r\033[K");
		fprintf(o->tty, "[%10s]   %s: %s%s%s\n", t, source, kind, text[0] ? " " : "", text);
		fflush(o->tty);
	}
	if (r->nevents >= REPORT_EVENTS_MAX) {
		r->events_dropped++;
		return;
	}
	if (r->nevents == r->capevents) {
		size_t cap = r->capevents ? 2 * r->capevents : 64;

		e = realloc(r->events, cap * sizeof *e);
		if (!e)
			abort();
		r->events = e;
		r->capevents = cap;
	}
	e = &r->events[r->nevents++];
	e->at = at;
	snprintf(e->source, sizeof e->source, "%s", source);
	snprintf(e->kind, sizeof e->kind, "%s", kind);
	snprintf(e->text, sizeof e->text, "%s", text);
}

struct report_gw_conn *report_gw_conn_add(struct report *r)
{
	struct report_gw_conn *c = realloc(r->gw_conns, (r->ngw_conns + 1) * sizeof *c);

	if (!c)
		abort();
	r->gw_conns = c;
	c = &r->gw_conns[r->ngw_conns++];
	memset(c, 0, sizeof *c);
	return c;
}

void report_show_add(struct report *r, const struct report_out *o, lab_ns at,
                     const char *gateway, const char *command, const char *text)
{
	struct report_show *s = realloc(r->shows, (r->nshows + 1) * sizeof *s);
	char t[32];

	if (!s)
		abort();
	r->shows = s;
	s = &r->shows[r->nshows];
	memset(s, 0, sizeof *s);
	s->at = at;
	snprintf(s->gateway, sizeof s->gateway, "%s", gateway);
	snprintf(s->command, sizeof s->command, "%s", command);
	s->text = strdup(text);
	if (!s->text)
		abort();
	r->nshows++;
	if (!o->tty)
		return;
	report_fmt_time(at, t, sizeof t);
	fprintf(o->tty, "[%10s]   %s#%s\n%s", t, gateway, command, text);
	fflush(o->tty);
}

void report_fmt_time(lab_ns t, char *buf, size_t len)
{
	int64_t ms = t / LAB_NS_PER_MS;
	int64_t h = ms / 3600000, m = ms / 60000 % 60, s = ms / 1000 % 60, rest = ms % 1000;

	if (h)
		snprintf(buf, len, "%lldh%02lldm%02lld.%03llds", (long long)h, (long long)m,
		         (long long)s, (long long)rest);
	else if (m)
		snprintf(buf, len, "%lldm%02lld.%03llds", (long long)m, (long long)s, (long long)rest);
	else
		snprintf(buf, len, "%lld.%03llds", (long long)s, (long long)rest);
}

void report_step_begin(const struct report_out *o, const struct report *r, size_t i,
                       size_t n, const struct step_result *s)
{
	char t[32];

	(void)r;
	if (!o->tty)
		return;
	report_fmt_time(s->start, t, sizeof t);
	fprintf(o->tty, "[%10s] step %zu/%zu %s\n", t, i + 1, n, s->label);
	fflush(o->tty);
}

void report_progress(const struct report_out *o, const char *label, lab_ns now, lab_ns end)
{
	char a[32], b[32];

	if (!o->tty || !o->is_tty)
		return;
	report_fmt_time(now, a, sizeof a);
	report_fmt_time(end, b, sizeof b);
	fprintf(o->tty, "\r\033[K             ... %s: lab time %s of %s", label, a, b);
	fflush(o->tty);
}

void report_step_end(const struct report_out *o, const struct report *r,
                     const struct step_result *s)
{
	if (!o->tty)
		return;
	if (o->is_tty)
		fprintf(o->tty, "\r\033[K");
	if (!s->ok)
		fprintf(o->tty, "             ERROR %s\n", s->error);
	for (size_t c = s->first_check; c < s->first_check + s->nchecks; c++) {
		const struct check *k = &r->checks[c];

		if (k->pass)
			fprintf(o->tty, "             %s %s: %s\n", o->is_tty ? "\033[32mPASS\033[0m" : "PASS",
			        k->name, k->observed);
		else
			fprintf(o->tty, "             %s %s\n                  expected: %s\n"
			        "                  observed: %s\n                  where:    %s\n",
			        o->is_tty ? "\033[31mFAIL\033[0m" : "FAIL", k->name, k->expected,
			        k->observed, k->where);
	}
	fprintf(o->tty, "             (%.1f ms wall)\n", s->wall_ms);
	fflush(o->tty);
}

void report_summary(const struct report_out *o, const struct report *r)
{
	char lab[32], skipped[32];
	size_t failed = report_failed(r);

	if (!o->tty)
		return;
	report_fmt_time(r->lab_total, lab, sizeof lab);
	report_fmt_time(r->clock_skipped, skipped, sizeof skipped);
	if (r->error[0])
		fprintf(o->tty, "%s: ERROR %s\n", r->name, r->error);
	fprintf(o->tty, "%s: %zu checks, %zu passed, %zu failed; lab time %s (%s skipped in %llu "
	        "jumps), wall %.2f s; seed %llu; output in %s\n", r->name, r->nchecks,
	        r->nchecks - failed, failed, lab, skipped, (unsigned long long)r->clock_jumps,
	        r->wall_ms / 1000.0, (unsigned long long)r->seed, r->outdir);
	fflush(o->tty);
}

/* ---- JSON ---- */

static json_t *report_json(const struct report *r)
{
	json_t *root = json_object(), *steps = json_array(), *checks = json_array(),
	       *caps = json_array();
	size_t failed = report_failed(r);

	json_object_set_new(root, "scenario", json_string(r->name));
	json_object_set_new(root, "file", json_string(r->file));
	json_object_set_new(root, "seed", json_integer((json_int_t)r->seed));
	json_object_set_new(root, "clock", json_string(r->virtual_clock ? "virtual" : "real"));
	json_object_set_new(root, "result", json_string(r->exit_code == 0 ? "pass" :
	                                                r->exit_code == 1 ? "fail" : "error"));
	json_object_set_new(root, "exit_code", json_integer(r->exit_code));
	if (r->error[0])
		json_object_set_new(root, "error", json_string(r->error));
	json_object_set_new(root, "checks_total", json_integer((json_int_t)r->nchecks));
	json_object_set_new(root, "checks_failed", json_integer((json_int_t)failed));
	json_object_set_new(root, "lab_time_s", json_real((double)r->lab_total / LAB_NS_PER_SEC));
	json_object_set_new(root, "wall_time_s", json_real(r->wall_ms / 1000.0));
	json_object_set_new(root, "clock_jumps", json_integer((json_int_t)r->clock_jumps));
	json_object_set_new(root, "output", json_string(r->outdir));
	for (size_t i = 0; i < r->nsteps; i++) {
		const struct step_result *s = &r->steps[i];
		json_t *js = json_object();

		json_object_set_new(js, "step", json_string(s->label));
		json_object_set_new(js, "ok", json_boolean(s->ok));
		if (!s->ok)
			json_object_set_new(js, "error", json_string(s->error));
		json_object_set_new(js, "lab_start_s", json_real((double)s->start / LAB_NS_PER_SEC));
		json_object_set_new(js, "lab_end_s", json_real((double)s->end / LAB_NS_PER_SEC));
		json_object_set_new(js, "wall_ms", json_real(s->wall_ms));
		json_array_append_new(steps, js);
	}
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct check *c = &r->checks[i];
		json_t *jc = json_object();

		json_object_set_new(jc, "check", json_string(c->name));
		json_object_set_new(jc, "pass", json_boolean(c->pass));
		json_object_set_new(jc, "expected", json_string(c->expected));
		json_object_set_new(jc, "observed", json_string(c->observed));
		json_object_set_new(jc, "where", json_string(c->where));
		json_object_set_new(jc, "lab_time_s", json_real((double)c->at / LAB_NS_PER_SEC));
		json_array_append_new(checks, jc);
	}
	for (size_t i = 0; i < r->ncaptures; i++) {
		json_t *jc = json_object();

		json_object_set_new(jc, "pcap", json_string(r->captures[i].path));
		json_object_set_new(jc, "frames", json_integer((json_int_t)r->captures[i].frames));
		json_object_set_new(jc, "dropped", json_integer((json_int_t)r->captures[i].drops));
		json_array_append_new(caps, jc);
	}
	json_object_set_new(root, "steps", steps);
	json_object_set_new(root, "checks", checks);
	json_object_set_new(root, "captures", caps);
	if (r->nevents || r->ngw_conns) {
		json_t *evs = json_array(), *gws = json_array();

		for (size_t i = 0; i < r->nevents; i++) {
			const struct report_event *e = &r->events[i];
			json_t *je = json_object();

			json_object_set_new(je, "lab_time_s", json_real((double)e->at / LAB_NS_PER_SEC));
			json_object_set_new(je, "source", json_string(e->source));
			json_object_set_new(je, "event", json_string(e->kind));
			json_object_set_new(je, "detail", json_string(e->text));
			json_array_append_new(evs, je);
		}
		for (size_t i = 0; i < r->ngw_conns; i++) {
			const struct report_gw_conn *c = &r->gw_conns[i];
			json_t *jg = json_object();
			char spi[16];

			json_object_set_new(jg, "gateway", json_string(c->node));
			json_object_set_new(jg, "connection", json_string(c->conn));
			json_object_set_new(jg, "state", json_string(c->state));
			snprintf(spi, sizeof spi, "%08x", c->spi_in);
			json_object_set_new(jg, "spi_in", json_string(spi));
			snprintf(spi, sizeof spi, "%08x", c->spi_out);
			json_object_set_new(jg, "spi_out", json_string(spi));
			json_object_set_new(jg, "packets_in", json_integer((json_int_t)c->packets_in));
			json_object_set_new(jg, "bytes_in", json_integer((json_int_t)c->bytes_in));
			json_object_set_new(jg, "packets_out", json_integer((json_int_t)c->packets_out));
			json_object_set_new(jg, "bytes_out", json_integer((json_int_t)c->bytes_out));
			json_object_set_new(jg, "drops", json_integer((json_int_t)c->drops));
			json_object_set_new(jg, "rekeys", json_integer(c->rekeys));
			json_object_set_new(jg, "reauths", json_integer(c->reauths));
			json_array_append_new(gws, jg);
		}
		json_object_set_new(root, "events", evs);
		if (r->events_dropped)
			json_object_set_new(root, "events_not_kept",
			                    json_integer((json_int_t)r->events_dropped));
		json_object_set_new(root, "gateways", gws);
	}
	if (r->nshows) {
		json_t *shows = json_array();

		for (size_t i = 0; i < r->nshows; i++) {
			const struct report_show *s = &r->shows[i];
			json_t *js = json_object();

			json_object_set_new(js, "lab_time_s", json_real((double)s->at / LAB_NS_PER_SEC));
			json_object_set_new(js, "gateway", json_string(s->gateway));
			json_object_set_new(js, "command", json_string(s->command));
			json_object_set_new(js, "text", json_string(s->text));
			json_array_append_new(shows, js);
		}
		json_object_set_new(root, "shows", shows);
	}
	return root;
}

int report_write_json(const struct report *r, const char *path)
{
	json_t *j = report_json(r);
	int err = json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) < 0 ? -EIO : 0;

	json_decref(j);
	return err;
}

void report_print_json(const struct report *const *rs, size_t n, FILE *f)
{
	json_t *all = json_object(), *runs = json_array();
	size_t failed = 0, total = 0;

	for (size_t i = 0; i < n; i++) {
		json_array_append_new(runs, report_json(rs[i]));
		failed += report_failed(rs[i]);
		total += rs[i]->nchecks;
	}
	json_object_set_new(all, "checks_total", json_integer((json_int_t)total));
	json_object_set_new(all, "checks_failed", json_integer((json_int_t)failed));
	json_object_set_new(all, "runs", runs);
	json_dumpf(all, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', f);
	json_decref(all);
}

/* ---- JUnit ---- */

static void xml_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}

int report_write_junit(const struct report *const *rs, size_t n, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t tests = 0, failures = 0, errors = 0;

	if (!f)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		tests += rs[i]->nchecks + (rs[i]->error[0] ? 1 : 0);
		failures += report_failed(rs[i]);
		errors += rs[i]->error[0] ? 1 : 0;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"vpnlab\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
	        tests, failures, errors);
	for (size_t i = 0; i < n; i++) {
		const struct report *r = rs[i];

		fprintf(f, "  <testsuite name=\"");
		xml_text(f, r->name);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%d\" time=\"%.3f\">\n",
		        r->nchecks + (r->error[0] ? 1 : 0), report_failed(r), r->error[0] ? 1 : 0,
		        r->wall_ms / 1000.0);
		fprintf(f, "    <properties><property name=\"seed\" value=\"%llu\"/>"
		        "<property name=\"file\" value=\"", (unsigned long long)r->seed);
		xml_text(f, r->file);
		fprintf(f, "\"/></properties>\n");
		for (size_t c = 0; c < r->nchecks; c++) {
			const struct check *k = &r->checks[c];

			fprintf(f, "    <testcase classname=\"");
			xml_text(f, r->name);
			fprintf(f, "\" name=\"");
			xml_text(f, k->name);
			fprintf(f, "\" time=\"%.3f\">", (double)k->at / LAB_NS_PER_SEC);
			if (!k->pass) {
				fprintf(f, "\n      <failure message=\"expected ");
				xml_text(f, k->expected);
				fprintf(f, "\">expected: ");
				xml_text(f, k->expected);
				fprintf(f, "\nobserved: ");
				xml_text(f, k->observed);
				fprintf(f, "\nwhere: ");
				xml_text(f, k->where);
				fprintf(f, "</failure>\n    ");
			} else {
				fprintf(f, "<system-out>");
				xml_text(f, k->observed);
				fprintf(f, "</system-out>");
			}
			fprintf(f, "</testcase>\n");
		}
		if (r->error[0]) {
			fprintf(f, "    <testcase classname=\"");
			xml_text(f, r->name);
			fprintf(f, "\" name=\"run\"><error message=\"");
			xml_text(f, r->error);
			fprintf(f, "\"/></testcase>\n");
		}
		fprintf(f, "  </testsuite>\n");
	}
	fprintf(f, "</testsuites>\n");
	return fclose(f) == 0 ? 0 : -errno;
}
