/*
 * strongswan.c: the strongswan node's API (strongswan.h): start (files and process in
 * strongswan_proc.c), load the configuration over VICI, queries and control, stop.
 */
#include "harness/strongswan_int.h"

#include "harness/swanctl_conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int64_t sswan_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sswan_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

void sswan_evlog(struct sswan *s, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	if (!s->evlog)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(s->evlog, "%lld.%03ld ", (long long)ts.tv_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(s->evlog, fmt, ap);
	va_end(ap);
	fputc('\n', s->evlog);
	fflush(s->evlog);
}

static int load_config(struct sswan *s, char *err, size_t errlen)
{
	char e2[256];

	for (size_t i = 0; i < s->cfg.nconns; i++) {
		struct vici_buf m;
		struct vici_node *resp = NULL;
		int rc;

		if (!s->cfg.conns[i].enabled)
			continue;
		for (int pass = 0; pass < 2; pass++) {
			const char *cmd = pass == 0 ? "load-shared" : "load-conn";

			vici_buf_init(&m);
			rc = pass == 0 ? swanctl_secret_msg(&s->cfg, i, &m, err, errlen) :
			                 swanctl_conn_msg(&s->cfg, i, &m, err, errlen);
			if (!rc)
				rc = vici_call(s->cmd, cmd, &m, &resp, CALL_TIMEOUT_MS, err, errlen);
			vici_buf_free(&m);
			if (!rc && !vici_success(resp, e2, sizeof e2)) {
				snprintf(err, errlen, "charon refused %s for %s: %s", cmd,
				         s->cfg.conns[i].name, e2);
				rc = -EINVAL;
			}
			vici_tree_free(resp);
			resp = NULL;
			if (rc)
				return rc;
		}
		sswan_evlog(s, "%s: loaded (load-shared, load-conn)", s->cfg.conns[i].name);
	}
	return 0;
}

int sswan_start(struct sswan **out, struct loop *loop, int nsfd, const char *node,
                const struct gw_config *cfg, const char *outdir, char *err, size_t errlen)
{
	struct swanctl_notes notes;
	static const char *const events[] = { "ike-updown", "child-updown", "ike-rekey",
	                                      "child-rekey" };
	struct sswan *s;
	char path[PATH_MAX + 32];
	int rc;

	*out = NULL;
	/* the node names a directory under OUT: nothing that could leave it */
	if (!node[0] || strlen(node) >= sizeof s->node || strspn(node, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(node) || node[0] == '.') {
		snprintf(err, errlen, "node name '%s': 1 to 63 letters, digits, '_', '.', '-', not "
		         "starting with '.'", node);
		return -EINVAL;
	}
	rc = sswan_preflight(err, errlen);
	if (rc)
		return rc;
	rc = swanctl_conf_check(cfg, &notes, err, errlen);
	if (rc)
		return rc;
	s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->cfg = *cfg;
	s->loop = loop;
	snprintf(s->node, sizeof s->node, "%s", node);
	rc = sswan_make_dirs(s, outdir, err, errlen);
	if (rc)
		goto fail;
	rc = sswan_write_configs(s, err, errlen);
	if (rc)
		goto fail;
	snprintf(path, sizeof path, "%s/events.log", s->dir);
	s->evlog = fopen(path, "we");
	for (const char *l = notes.text; *l; l = strchr(l, '\n') + 1)
		sswan_evlog(s, "note: %.*s", (int)(strchr(l, '\n') - l), l);
	unlink(s->sock);

	rc = sswan_spawn(s, nsfd, err, errlen);
	if (rc)
		goto fail;
	rc = sswan_wait_socket(s, err, errlen);
	if (rc)
		goto fail;
	/* Register before loading: an initiator can be up within milliseconds of load-conn,
	 * and charon sends an event only to those registered at that moment. What arrives
	 * before the loop runs waits in the socket. Without a loop nobody would read them
	 * (and charon's writer would block on a full socket): no events then. */
	if (loop) {
		rc = vici_connect(&s->events, s->sock, err, errlen);
		if (rc)
			goto fail;
		vici_on_event(s->events, sswan_on_vici_event, s);
		for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
			rc = vici_register(s->events, events[i], CALL_TIMEOUT_MS, err, errlen);
			if (rc)
				goto fail;
		}
		rc = vici_attach(s->events, loop);
		if (rc) {
			snprintf(err, errlen, "vici: watch: %s", strerror(-rc));
			goto fail;
		}
	}
	rc = load_config(s, err, errlen);
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	sswan_stop(s);
	return rc;
}

void sswan_on_event(struct sswan *s, sswan_event_fn fn, void *ctx)
{
	s->fn = fn;
	s->ctx = ctx;
}

void sswan_stop(struct sswan *s)
{
	if (!s)
		return;
	vici_close(s->events);
	vici_close(s->cmd);
	s->events = s->cmd = NULL;
	sswan_kill(s);
	if (s->sock[0])
		unlink(s->sock);
	if (s->evlog)
		fclose(s->evlog);
	explicit_bzero(s, sizeof *s);
	free(s);
}

bool sswan_alive(struct sswan *s, char *err, size_t errlen)
{
	int status;

	if (s->pid > 0 && waitpid(s->pid, &status, WNOHANG) == s->pid) {
		s->pid = 0;
		s->exit_status = status;
		sswan_evlog(s, "charon exited on its own (%s %d)", WIFEXITED(status) ? "status" : "signal",
		      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	if (s->pid > 0)
		return true;
	snprintf(err, errlen, "charon for %s is gone (%s %d); see %s/charon.log", s->node,
	         WIFEXITED(s->exit_status) ? "exit status" : "signal",
	         WIFEXITED(s->exit_status) ? WEXITSTATUS(s->exit_status) :
	                                     WTERMSIG(s->exit_status), s->dir);
	return false;
}

pid_t sswan_pid(const struct sswan *s)
{
	return s->pid;
}

const char *sswan_dir(const struct sswan *s)
{
	return s->dir;
}

size_t sswan_conn_count(const struct sswan *s)
{
	return s->cfg.nconns;
}

int sswan_conn_find(const struct sswan *s, const char *name)
{
	return sswan_conn_index(s, name);
}

enum gw_conn_state sswan_conn_state(const struct sswan *s, int conn)
{
	if (conn < 0 || (size_t)conn >= s->cfg.nconns)
		return GW_CONN_DOWN;
	return s->conn[conn].state;
}

/* ---- queries ---- */

struct list_ctx {
	struct vici_ike_sa *sas;
	size_t max, n;
	int rc;
	char err[160];
};

static void on_list_sa(void *ctx, const char *name, const struct vici_node *msg)
{
	struct list_ctx *l = ctx;

	if (strcmp(name, "list-sa") != 0)
		return;
	for (const struct vici_node *sec = msg->child; sec; sec = sec->next) {
		if (sec->kind != VICI_NODE_SECTION)
			continue;
		if (l->n < l->max && !l->rc) {
			int rc = vici_ike_sa_parse(sec, &l->sas[l->n], l->err, sizeof l->err);

			if (rc)
				l->rc = rc;
		}
		l->n++;
	}
}

/* list-sas streams one list-sa event per IKE_SA before its (empty) response; the command
 * connection registers for list-sa once. Not noblock: that skips IKE_SAs a charon thread has
 * checked out at the moment, and an established SA would look like none. */
static int list_sas(struct sswan *s, const char *ike, struct vici_ike_sa *sas, size_t max,
                    size_t *n, char *err, size_t errlen)
{
	struct list_ctx l = { .sas = sas, .max = max };
	struct vici_buf m;
	int rc;

	*n = 0;
	if (!s->cmd || !vici_alive(s->cmd)) {
		snprintf(err, errlen, "charon's VICI connection is gone");
		return -EPIPE;
	}
	if (!s->list_registered) {
		rc = vici_register(s->cmd, "list-sa", CALL_TIMEOUT_MS, err, errlen);
		if (rc)
			return rc;
		s->list_registered = true;
	}
	vici_on_event(s->cmd, on_list_sa, &l);
	vici_buf_init(&m);
	if (ike)
		vici_buf_kv_str(&m, "ike", ike);
	rc = vici_call(s->cmd, "list-sas", &m, NULL, CALL_TIMEOUT_MS, err, errlen);
	vici_buf_free(&m);
	vici_on_event(s->cmd, NULL, NULL);
	if (rc)
		return rc;
	if (l.rc) {
		snprintf(err, errlen, "list-sa: %s", l.err);
		return l.rc;
	}
	*n = l.n;
	return 0;
}

int sswan_conn_ike_count(struct sswan *s, int conn, uint64_t except, size_t *n)
{
	struct vici_ike_sa sas[4];
	size_t got;
	char err[256];
	int rc;

	*n = 0;
	rc = list_sas(s, s->cfg.conns[conn].name, sas, 4, &got, err, sizeof err);
	if (rc) {
		sswan_evlog(s, "%s: list-sas: %s", s->cfg.conns[conn].name, err);
		return rc;
	}
	for (size_t i = 0; i < got; i++)
		if (i >= 4 || sas[i].uniqueid != except)
			(*n)++;
	return 0;
}

int sswan_list_sas(struct sswan *s, struct vici_ike_sa *sas, size_t max, size_t *n, char *err,
                   size_t errlen)
{
	return list_sas(s, NULL, sas, max, n, err, errlen);
}

int sswan_conn_stats(struct sswan *s, int conn, struct gw_conn_stats *out, char *err,
                     size_t errlen)
{
	struct vici_ike_sa sas[4];
	uint64_t newest = 0;
	size_t n;
	int rc;

	memset(out, 0, sizeof *out);
	if (conn < 0 || (size_t)conn >= s->cfg.nconns) {
		snprintf(err, errlen, "no connection %d", conn);
		return -EINVAL;
	}
	rc = list_sas(s, s->cfg.conns[conn].name, sas, 4, &n, err, errlen);
	if (rc)
		return rc;
	out->state = n ? GW_CONN_CONNECTING : GW_CONN_DOWN;
	for (size_t i = 0; i < n && i < 4; i++) {
		for (size_t k = 0; k < sas[i].nchild; k++) {
			const struct vici_child_sa *c = &sas[i].child[k];

			out->packets_in += c->packets_in;
			out->bytes_in += c->bytes_in;
			out->packets_out += c->packets_out;
			out->bytes_out += c->bytes_out;
			if (strcmp(c->state, "INSTALLED") == 0 && c->uniqueid >= newest) {
				newest = c->uniqueid;
				out->state = GW_CONN_UP;
				out->spi_in = c->spi_in;
				out->spi_out = c->spi_out;
			}
		}
	}
	out->rekeys = s->conn[conn].rekeys;
	out->reauths = s->conn[conn].reauths;
	sswan_conn_set_state(s, conn, out->state, "list-sas");
	return 0;
}

static int control(struct sswan *s, const char *cmd, int conn, char *err, size_t errlen)
{
	struct vici_node *resp = NULL;
	struct vici_buf m;
	char e2[256];
	int rc;

	if (conn < 0 || (size_t)conn >= s->cfg.nconns) {
		snprintf(err, errlen, "no connection %d", conn);
		return -EINVAL;
	}
	if (!s->cmd || !vici_alive(s->cmd)) {
		snprintf(err, errlen, "charon's VICI connection is gone");
		return -EPIPE;
	}
	vici_buf_init(&m);
	if (strcmp(cmd, "initiate") == 0)
		vici_buf_kv_str(&m, "child", s->cfg.conns[conn].name);
	vici_buf_kv_str(&m, "ike", s->cfg.conns[conn].name);
	vici_buf_kv_str(&m, "timeout", "-1");   /* answer at once; events tell the outcome */
	rc = vici_call(s->cmd, cmd, &m, &resp, CALL_TIMEOUT_MS, err, errlen);
	vici_buf_free(&m);
	if (!rc && !vici_success(resp, e2, sizeof e2)) {
		snprintf(err, errlen, "%s %s: %s", cmd, s->cfg.conns[conn].name, e2);
		rc = -EIO;
	}
	vici_tree_free(resp);
	if (!rc)
		sswan_evlog(s, "%s: %s requested", s->cfg.conns[conn].name, cmd);
	return rc;
}

int sswan_conn_initiate(struct sswan *s, int conn, char *err, size_t errlen)
{
	return control(s, "initiate", conn, err, errlen);
}

int sswan_conn_terminate(struct sswan *s, int conn, char *err, size_t errlen)
{
	return control(s, "terminate", conn, err, errlen);
}
