/*
 * strongswan_proc.c: the charon process of a strongswan node: its files, the child that
 * enters the node and execs charon, waiting for its VICI socket, stopping it.
 */
#include "harness/strongswan_int.h"

#include "harness/swanctl_conf.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

int sswan_make_dirs(struct sswan *s, const char *outdir, char *err, size_t errlen)
{
	int rc;

	if ((size_t)snprintf(s->dir, sizeof s->dir, "%s/strongswan", outdir) >= sizeof s->dir)
		goto toolong;
	rc = mkdir_one(s->dir, err, errlen);
	if (rc)
		return rc;
	if ((size_t)snprintf(s->dir, sizeof s->dir, "%s/strongswan/%s", outdir, s->node) >=
	    sizeof s->dir - 32)
		goto toolong;
	/* sun_path holds 108 bytes: a deep OUT directory cannot hold the socket */
	if ((size_t)snprintf(s->sock, sizeof s->sock, "%s/charon.vici", s->dir) >= 108) {
		snprintf(err, errlen, "%s/charon.vici: longer than a unix socket path may be (107)",
		         s->dir);
		s->sock[0] = '\0';
		return -ENAMETOOLONG;
	}
	return mkdir_one(s->dir, err, errlen);
toolong:
	snprintf(err, errlen, "%s: path too long", outdir);
	return -ENAMETOOLONG;
}

int sswan_write_configs(struct sswan *s, char *err, size_t errlen)
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

/* ---- spawn / kill ---- */

int sswan_spawn(struct sswan *s, int nsfd, char *err, size_t errlen)
{
	pid_t parent = getpid();
	int pipefd[2], msg[2], rc;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		rc = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return rc;
	}
	s->pid = fork();
	if (s->pid < 0) {
		rc = -errno;
		s->pid = 0;
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		return rc;
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
		snprintf(err, errlen, "charon for %s: %s: %s", s->node,
		         msg[0] > 0 && msg[0] <= STEP_EXEC ? step_name[msg[0]] : "?",
		         strerror(msg[1]));
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
		return -msg[1];
	}
	sswan_evlog(s, "charon started, pid %d", (int)s->pid);
	return 0;
}

void sswan_kill(struct sswan *s)
{
	int64_t end = sswan_mono_ms() + STOP_TIMEOUT_MS;
	int status;
	pid_t r;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && sswan_mono_ms() < end)
		sswan_sleep_ms(10);
	if (r == 0) {
		sswan_evlog(s, "charon did not exit within %d s of SIGTERM: SIGKILL",
		            STOP_TIMEOUT_MS / 1000);
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
	} else {
		sswan_evlog(s, "charon exited");
	}
	s->pid = 0;
}

/* ---- readiness ---- */

/* Wait until charon's VICI socket accepts a connection, or charon exits, or the bound. */
int sswan_wait_socket(struct sswan *s, char *err, size_t errlen)
{
	int64_t end = sswan_mono_ms() + START_TIMEOUT_MS;
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
		if (sswan_mono_ms() > end) {
			snprintf(err, errlen, "charon's VICI socket %s did not come up within %d s (%s)",
			         s->sock, START_TIMEOUT_MS / 1000, e2);
			return -ETIMEDOUT;
		}
		sswan_sleep_ms(20);
	}
}

int sswan_preflight(char *err, size_t errlen)
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
