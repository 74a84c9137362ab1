/*
 * netns.h: network namespaces held by file descriptor.
 *
 * A namespace lives as long as some fd or process refers to it. vpnlab creates each node's
 * namespace with unshare(), keeps only the fd, and goes straight back to the namespace it
 * started in; nothing is bind-mounted under /run/netns. When the process ends, however it
 * ends (kill -9 included), the fds close and the kernel destroys the namespaces and every
 * veth, bridge and route inside them.
 *
 * To make a socket, a TUN device or a capture handle inside a node, enter its namespace for
 * that one call (netns_enter / netns_leave): a socket stays in the namespace it was made in.
 * The process is single-threaded, so this is safe.
 */
#ifndef VPNLAB_HARNESS_NETNS_H
#define VPNLAB_HARNESS_NETNS_H

/* Remember the namespace the process started in. 0 or -errno. Call once, first. */
int netns_init(void);

/* Create a new network namespace; *fd receives a handle to it (O_CLOEXEC). The process
 * stays in its original namespace. 0 or -errno. */
int netns_create(int *fd);

/* Enter fd's namespace (0 or -errno); netns_leave returns to the original one. Pairs must
 * nest at most one deep: enter, do one thing, leave. */
int netns_enter(int fd);
int netns_leave(void);

/* Write a sysctl under /proc/sys/ inside a namespace ("net/ipv4/ip_forward", "1").
 * 0 or -errno. */
int netns_sysctl(int fd, const char *path, const char *value);

/* Enter a new user namespace mapping the current uid/gid to root, so an ordinary user can
 * create network namespaces, and a private network namespace as the lab's home (the host's
 * cannot be re-entered from there). Call before netns_init(). 0 or -errno; msg says which
 * step failed. */
int netns_become_userns_root(char *msg, unsigned msglen);

/* Close the original-namespace handle. */
void netns_fini(void);

#endif
