/*
 * netns.c: namespaces by fd (see netns.h).
 */
#include "harness/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int home_fd = -1;        /* the namespace vpnlab started in */

int netns_init(void)
{
	if (home_fd >= 0)
		return 0;
	home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return home_fd < 0 ? -errno : 0;
}

void netns_fini(void)
{
	if (home_fd >= 0)
		close(home_fd);
	home_fd = -1;
}

int netns_create(int *fd)
{
	int err = 0, nfd;

	if (unshare(CLONE_NEWNET) < 0)
		return -errno;
	nfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (nfd < 0)
		err = -errno;
	if (setns(home_fd, CLONE_NEWNET) < 0) {
		/* Cannot happen with a valid home fd; staying in the wrong namespace would be
		 * worse than failing loudly. */
		err = -errno;
		if (nfd >= 0)
			close(nfd);
		return err;
	}
	if (err)
		return err;
	*fd = nfd;
	return 0;
}

int netns_enter(int fd)
{
	return setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int netns_leave(void)
{
	return setns(home_fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int netns_sysctl(int fd, const char *path, const char *value)
{
	char full[256];
	int err, f;
	ssize_t n, len = (ssize_t)strlen(value);

	snprintf(full, sizeof full, "/proc/sys/%s", path);
	err = netns_enter(fd);
	if (err)
		return err;
	f = open(full, O_WRONLY | O_CLOEXEC);
	err = f < 0 ? -errno : 0;
	netns_leave();
	if (err)
		return err;
	n = write(f, value, (size_t)len);
	err = n == len ? 0 : (n < 0 ? -errno : -EIO);
	close(f);
	return err;
}

static int write_file(const char *path, const char *text)
{
	int f = open(path, O_WRONLY | O_CLOEXEC), err = 0;
	ssize_t len = (ssize_t)strlen(text);

	if (f < 0)
		return -errno;
	if (write(f, text, (size_t)len) != len)
		err = -errno ? -errno : -EIO;
	close(f);
	return err;
}

int netns_become_userns_root(char *msg, unsigned msglen)
{
	char map[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	int err;

	if (unshare(CLONE_NEWUSER) < 0) {
		err = -errno;
		snprintf(msg, msglen, "cannot create a user namespace: %s (is "
		         "kernel.unprivileged_userns_clone or user.max_user_namespaces 0?)",
		         strerror(-err));
		return err;
	}
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
	err = write_file("/proc/self/uid_map", map);
	if (err) {
		snprintf(msg, msglen, "cannot write /proc/self/uid_map: %s", strerror(-err));
		return err;
	}
	err = write_file("/proc/self/setgroups", "deny");
	if (err && err != -ENOENT) {
		snprintf(msg, msglen, "cannot write /proc/self/setgroups: %s", strerror(-err));
		return err;
	}
	snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
	err = write_file("/proc/self/gid_map", map);
	if (err) {
		snprintf(msg, msglen, "cannot write /proc/self/gid_map: %s", strerror(-err));
		return err;
	}
	/* The host's network namespace belongs to the initial user namespace, where this
	 * process has no capabilities: it could never setns() back into it. So the lab's home
	 * is a private namespace of its own. */
	if (unshare(CLONE_NEWNET) < 0) {
		err = -errno;
		snprintf(msg, msglen, "cannot create a network namespace inside the user "
		         "namespace: %s", strerror(-err));
		return err;
	}
	return 0;
}
