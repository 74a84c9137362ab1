/*
 * strongswan.c: charon in a lab node: start, configure over VICI, watch, stop (strongswan.h).
 */
#include "harness/strongswan.h"

#include "harness/swanctl_conf.h"
#include "harness/vici.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define START_TIMEOUT_MS 10000  /* charon is up in well under a second; a bound, not a wait */
#define CALL_TIMEOUT_MS  5000
#define STOP_TIMEOUT_MS  3000
#define MAX_UP_IKE       8      /* IKE_SAs of one connection tracked as up at once */
#define EARLY_EVENTS     16     /* events kept from before sswan_start returned */

struct sswan_conn {
	enum gw_conn_state state;
	uint64_t up_ike[MAX_UP_IKE];    /* uniqueids of its IKE_SAs that are up */
	size_t nup;
	uint32_t rekeys, reauths;
};

struct sswan {
	pid_t pid;                      /* 0 once reaped */
	int exit_status;                /* waitpid status, once reaped */
	struct loop *loop;
	struct gw_config cfg;
	char node[64];
	char dir[PATH_MAX];
	char sock[PATH_MAX];
	struct vici_conn *cmd, *events;
	bool list_registered;           /* cmd registered for list-sa (streamed by list-sas) */
	struct sswan_conn conn[GW_MAX_CONNS];
	FILE *evlog;
	sswan_event_fn fn;
	void *ctx;
	/* Events that arrive while sswan_start still registers (an initiator's ike-updown can)
	 * are kept and handed over on the loop's next turn, once the caller has a callback. */
	bool starting;
	struct sswan_event *early;
	size_t nearly;
	struct loop_timer flush;
};

static const char *const state_name[] = { "down", "connecting", "up" };

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

__attribute__((format(printf, 2, 3)))
static void evlog(struct sswan *s, const char *fmt, ...)
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

static void conn_set_state(struct sswan *s, int i, enum gw_conn_state st, const char *why)
{
	if (s->conn[i].state == st)
		return;
	evlog(s, "%s: %s -> %s (%s)", s->cfg.conns[i].name, state_name[s->conn[i].state],
	      state_name[st], why);
	s->conn[i].state = st;
}

/* ---- files ---- */

static int write_file(const char *path, const char *text, mode_t mode, char *err, size_t errlen)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0) {
		int rc = -errno;

		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	fchmod(fd, mode);
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int rc = n < 0 ? -errno : -EIO;

			snprintf(err, errlen, "%s: write: %s", path, strerror(-rc));
			close(fd);
			return rc;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0) {
		int rc = -errno;

		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	return 0;
}

static int mkdir_one(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		int rc = -errno;

		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	return 0;
}

static int write_configs(struct sswan *s, char *err, size_t errlen)
{
	struct swanctl_paths paths;
	char path[PATH_MAX + 32], log[PATH_MAX + 16], *text = NULL;
	int rc;

	snprintf(log, sizeof log, "%s/charon.log", s->dir);
	paths.vici_socket = s->sock;
	paths.log = log;
	rc = swanctl_strongswan_conf_render(&s->cfg, &paths, &text, err, errlen);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/strongswan.conf", s->dir);
	rc = write_file(path, text, 0644, err, errlen);
	swanctl_text_free(text);
	if (rc)
		return rc;
	rc = swanctl_conf_render(&s->cfg, &text, err, errlen);
	if (rc)
		return rc;
	snprintf(path, sizeof path, "%s/swanctl.conf", s->dir);
	rc = write_file(path, text, 0600, err, errlen);
	swanctl_text_free(text);
	return rc;
}

/* ---- the child ---- */

/* Report errno e of the failed step through the close-on-exec pipe, then die. */
static void __attribute__((noreturn)) child_fail(int pfd, int step, int e)
{
	int msg[2] = { step, e };

	if (write(pfd, msg, sizeof msg) < 0) {
		/* nothing left to tell it with */
	}
	_exit(127);
}

enum child_step { STEP_PDEATHSIG = 1, STEP_SETNS, STEP_UNSHARE, STEP_PRIVATE, STEP_TMPFS,
                  STEP_STDIO, STEP_EXEC };

static const char *const step_name[] = { "", "prctl(PR_SET_PDEATHSIG)", "setns(node netns)",
                                         "unshare(CLONE_NEWNS)", "mount / private",
                                         "mount tmpfs on /run", "open charon.stdout",
                                         "exec " SSWAN_CHARON };

static void __attribute__((noreturn)) child_run(struct sswan *s, int nsfd, pid_t parent,
                                                int pfd)
{
	char conf[PATH_MAX + 32], out[PATH_MAX + 32], env[PATH_MAX + 64];
	char *const argv[] = { (char *)"charon", NULL };
	char *const envp[] = { env, (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
	sigset_t none;
	int fd;

	/* the loop blocks SIGINT/SIGTERM for its signalfd; charon must see SIGTERM */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		child_fail(pfd, STEP_PDEATHSIG, errno);
	if (getppid() != parent)        /* the parent died before the prctl: nobody to kill us */
		_exit(0);
	setsid();                       /* a Ctrl-C at vpnlab's terminal is vpnlab's to handle */
	if (setns(nsfd, CLONE_NEWNET) < 0)
		child_fail(pfd, STEP_SETNS, errno);
	if (unshare(CLONE_NEWNS) < 0)
		child_fail(pfd, STEP_UNSHARE, errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		child_fail(pfd, STEP_PRIVATE, errno);
	if (mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		child_fail(pfd, STEP_TMPFS, errno);
	snprintf(out, sizeof out, "%s/charon.stdout", s->dir);
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		child_fail(pfd, STEP_STDIO, errno);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	snprintf(conf, sizeof conf, "%s/strongswan.conf", s->dir);
	snprintf(env, sizeof env, "STRONGSWAN_CONF=%s", conf);
	/* every other descriptor (namespace fds, sockets, captures) is close-on-exec or closed */
	for (int i = 3; i < 1024; i++)
		if (i != pfd)
			close(i);
	execve(SSWAN_CHARON, argv, envp);
	child_fail(pfd, STEP_EXEC, errno);
}

/* ---- events ---- */

static int conn_index(const struct sswan *s, const char *name)
{
	for (size_t i = 0; i < s->cfg.nconns; i++)
		if (strcmp(s->cfg.conns[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void up_add(struct sswan_conn *c, uint64_t id)
{
	for (size_t i = 0; i < c->nup; i++)
		if (c->up_ike[i] == id)
			return;
	if (c->nup < MAX_UP_IKE)
		c->up_ike[c->nup++] = id;
}

static void up_del(struct sswan_conn *c, uint64_t id)
{
	for (size_t i = 0; i < c->nup; i++)
		if (c->up_ike[i] == id) {
			c->up_ike[i] = c->up_ike[--c->nup];
			return;
		}
}

/* Every event message has one section named after the IKE_SA's config (rekeys: with old and
 * new inside) and, for updown, an "up" key when it is an up event. */
static void on_event(void *ctx, const char *name, const struct vici_node *msg)
{
	struct sswan *s = ctx;
	struct sswan_event ev;
	const struct vici_node *sec = NULL;
	bool up = vici_node_str(msg, "up") != NULL;
	char err[160];
	int i;

	for (const struct vici_node *n = msg->child; n; n = n->next)
		if (n->kind == VICI_NODE_SECTION) {
			sec = n;
			break;
		}
	if (!sec)
		return;
	memset(&ev, 0, sizeof ev);
	if (strcmp(name, "ike-rekey") == 0 || strcmp(name, "child-rekey") == 0) {
		const struct vici_node *nw = vici_node_get(sec, "new");

		ev.type = name[0] == 'i' ? SSWAN_EV_IKE_REKEY : SSWAN_EV_CHILD_REKEY;
		if (strcmp(name, "child-rekey") == 0) {
			/* the IKE_SA section; its child-sas hold { old, new }: sa.child[0] is new */
			if (vici_ike_sa_parse(sec, &ev.sa, err, sizeof err)) {
				evlog(s, "%s: event %s not understood: %s", sec->name, name, err);
				return;
			}
		} else if (nw) {
			if (vici_ike_sa_parse(nw, &ev.sa, err, sizeof err))
				return;
		}
		snprintf(ev.sa.name, sizeof ev.sa.name, "%.*s", (int)sizeof ev.sa.name - 1,
		         sec->name);
	} else {
		if (strcmp(name, "ike-updown") == 0)
			ev.type = up ? SSWAN_EV_IKE_UP : SSWAN_EV_IKE_DOWN;
		else if (strcmp(name, "child-updown") == 0)
			ev.type = up ? SSWAN_EV_CHILD_UP : SSWAN_EV_CHILD_DOWN;
		else
			return;
		if (vici_ike_sa_parse(sec, &ev.sa, err, sizeof err)) {
			evlog(s, "%s: event %s not understood: %s", sec->name, name, err);
			return;
		}
	}
	i = conn_index(s, ev.sa.name);
	ev.conn = i;
	evlog(s, "%s: event %s (IKE_SA #%llu %s)", ev.sa.name, name,
	      (unsigned long long)ev.sa.uniqueid, ev.sa.state);
	if (i >= 0) {
		struct sswan_conn *c = &s->conn[i];

		switch (ev.type) {
		case SSWAN_EV_IKE_UP:
			/* charon's IKEv1 reauthentication is a new IKE_SA beside the old one */
			if (c->nup > 0)
				c->reauths++;
			up_add(c, ev.sa.uniqueid);
			if (c->state == GW_CONN_DOWN)
				conn_set_state(s, i, GW_CONN_CONNECTING, name);
			break;
		case SSWAN_EV_IKE_DOWN:
			up_del(c, ev.sa.uniqueid);
			if (c->nup == 0)
				conn_set_state(s, i, GW_CONN_DOWN, name);
			break;
		case SSWAN_EV_CHILD_UP:
			conn_set_state(s, i, GW_CONN_UP, name);
			break;
		case SSWAN_EV_CHILD_DOWN:
			/* a rekey also brings an old CHILD_SA down; the stats call tells the truth */
			break;
		case SSWAN_EV_IKE_REKEY:
			c->reauths++;
			break;
		case SSWAN_EV_CHILD_REKEY:
			c->rekeys++;
			break;
		}
	}
	if (s->starting) {
		if (s->nearly < EARLY_EVENTS && s->early)
			s->early[s->nearly++] = ev;
		else
			evlog(s, "%s: event %s not handed over: too many before start returned",
			      ev.sa.name, name);
		return;
	}
	if (s->fn)
		s->fn(s->ctx, &ev);
}

static void on_flush(void *ctx)
{
	struct sswan *s = ctx;

	for (size_t i = 0; i < s->nearly; i++)
		if (s->fn)
			s->fn(s->ctx, &s->early[i]);
	s->nearly = 0;
}

/* ---- start / stop ---- */

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
		evlog(s, "%s: loaded (load-shared, load-conn)", s->cfg.conns[i].name);
	}
	return 0;
}

/* Wait until charon's VICI socket accepts a connection, or charon exits, or the bound. */
static int wait_socket(struct sswan *s, char *err, size_t errlen)
{
	int64_t end = mono_ms() + START_TIMEOUT_MS;
	char e2[160];

	for (;;) {
		int status;

		if (vici_connect(&s->cmd, s->sock, e2, sizeof e2) == 0)
			return 0;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			snprintf(err, errlen, "charon exited (%s %d) before its VICI socket was up; see "
			         "%s/charon.stdout and charon.log",
			         WIFEXITED(status) ? "status" : "signal",
			         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), s->dir);
			return -ECHILD;
		}
		if (mono_ms() > end) {
			snprintf(err, errlen, "charon's VICI socket %s did not come up within %d s (%s)",
			         s->sock, START_TIMEOUT_MS / 1000, e2);
			return -ETIMEDOUT;
		}
		sleep_ms(20);
	}
}

static int preflight(char *err, size_t errlen)
{
	int fd;

	if (access(SSWAN_CHARON, X_OK) < 0) {
		snprintf(err, errlen, "strongSwan's charon is not installed (%s: %s); install the "
		         "strongswan-charon package", SSWAN_CHARON, strerror(errno));
		return -ENOENT;
	}
	if (access("/usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so", R_OK) < 0) {
		snprintf(err, errlen, "charon's kernel-libipsec plugin is missing (install "
		         "libcharon-extra-plugins)");
		return -ENOENT;
	}
	/* kernel-libipsec opens a TUN device; /dev/net/tun is root-only on these machines */
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int rc = -errno;

		snprintf(err, errlen, "/dev/net/tun: %s (charon's kernel-libipsec needs it: run as "
		         "root)", strerror(errno));
		return rc;
	}
	close(fd);
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
	int pipefd[2], msg[2], rc;
	ssize_t n;
	pid_t parent = getpid();

	*out = NULL;
	/* the node names a directory under OUT: nothing that could leave it */
	if (!node[0] || strlen(node) >= sizeof s->node || strspn(node, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(node) || node[0] == '.') {
		snprintf(err, errlen, "node name '%s': 1 to 63 letters, digits, '_', '.', '-', not "
		         "starting with '.'", node);
		return -EINVAL;
	}
	rc = preflight(err, errlen);
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
	s->starting = true;
	s->early = calloc(EARLY_EVENTS, sizeof *s->early);
	loop_timer_init(&s->flush, on_flush, s);
	snprintf(s->node, sizeof s->node, "%s", node);
	rc = -ENAMETOOLONG;
	snprintf(err, errlen, "%s: path too long", outdir);
	if ((size_t)snprintf(s->dir, sizeof s->dir, "%s/strongswan", outdir) >= sizeof s->dir)
		goto fail;
	rc = mkdir_one(s->dir, err, errlen);
	if (rc)
		goto fail;
	rc = -ENAMETOOLONG;
	if ((size_t)snprintf(s->dir, sizeof s->dir, "%s/strongswan/%s", outdir, node) >=
	    sizeof s->dir - 32)
		goto fail;
	/* sun_path holds 108 bytes: a deep OUT directory cannot hold the socket */
	if ((size_t)snprintf(s->sock, sizeof s->sock, "%s/charon.vici", s->dir) >= 108) {
		snprintf(err, errlen, "%s/charon.vici: longer than a unix socket path may be (107)",
		         s->dir);
		goto fail;
	}
	rc = mkdir_one(s->dir, err, errlen);
	if (rc)
		goto fail;
	rc = write_configs(s, err, errlen);
	if (rc)
		goto fail;
	snprintf(path, sizeof path, "%s/events.log", s->dir);
	s->evlog = fopen(path, "we");
	for (const char *l = notes.text; *l; l = strchr(l, '\n') + 1)
		evlog(s, "note: %.*s", (int)(strchr(l, '\n') - l), l);
	unlink(s->sock);

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	s->pid = fork();
	if (s->pid < 0) {
		rc = -errno;
		s->pid = 0;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto fail;
	}
	if (s->pid == 0) {
		close(pipefd[0]);
		child_run(s, nsfd, parent, pipefd[1]);
	}
	close(pipefd[1]);
	/* the pipe closes on exec (nothing read) or carries the failed step */
	do
		n = read(pipefd[0], msg, sizeof msg);
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	if (n == (ssize_t)sizeof msg) {
		rc = -msg[1];
		snprintf(err, errlen, "charon for %s: %s: %s", node,
		         msg[0] > 0 && msg[0] <= STEP_EXEC ? step_name[msg[0]] : "?",
		         strerror(msg[1]));
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
		goto fail;
	}
	evlog(s, "charon started, pid %d", (int)s->pid);
	rc = wait_socket(s, err, errlen);
	if (rc)
		goto fail;
	rc = load_config(s, err, errlen);
	if (rc)
		goto fail;
	rc = vici_connect(&s->events, s->sock, err, errlen);
	if (rc)
		goto fail;
	vici_on_event(s->events, on_event, s);
	for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
		rc = vici_register(s->events, events[i], CALL_TIMEOUT_MS, err, errlen);
		if (rc)
			goto fail;
	}
	if (loop) {
		rc = vici_attach(s->events, loop);
		if (rc) {
			snprintf(err, errlen, "vici: watch: %s", strerror(-rc));
			goto fail;
		}
		if (s->nearly)
			loop_timer_arm(loop, &s->flush, loop_now(loop));
	}
	s->starting = false;
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
	if (s->pid > 0) {
		int64_t end = mono_ms() + STOP_TIMEOUT_MS;
		int status;
		pid_t r;

		kill(s->pid, SIGTERM);
		while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && mono_ms() < end)
			sleep_ms(10);
		if (r == 0) {
			evlog(s, "charon did not exit within %d s of SIGTERM: SIGKILL",
			      STOP_TIMEOUT_MS / 1000);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
		} else {
			evlog(s, "charon exited");
		}
		s->pid = 0;
	}
	if (s->sock[0])
		unlink(s->sock);
	if (s->evlog)
		fclose(s->evlog);
	if (s->loop)
		loop_timer_cancel(s->loop, &s->flush);
	free(s->early);
	explicit_bzero(s, sizeof *s);
	free(s);
}

bool sswan_alive(struct sswan *s, char *err, size_t errlen)
{
	int status;

	if (s->pid > 0 && waitpid(s->pid, &status, WNOHANG) == s->pid) {
		s->pid = 0;
		s->exit_status = status;
		evlog(s, "charon exited on its own (%s %d)", WIFEXITED(status) ? "status" : "signal",
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
	return conn_index(s, name);
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
	conn_set_state(s, conn, out->state, "list-sas");
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
		evlog(s, "%s: %s requested", s->cfg.conns[conn].name, cmd);
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
