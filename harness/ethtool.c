/*
 * ethtool.c: offloads off through the SIOCETHTOOL ioctl (see ethtool.h).
 */
#include "harness/ethtool.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/netns.h"

int ethtool_wire_like(int nsfd, const char *ifname)
{
	/* Order matters: TSO depends on SG and TX checksumming, so it goes first. */
	static const unsigned cmds[] = {
		ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO, ETHTOOL_SSG, ETHTOOL_STXCSUM,
	};
	struct ifreq ifr;
	int fd, err = netns_enter(nsfd);

	if (err)
		return err;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	err = fd < 0 ? -errno : 0;
	netns_leave();
	if (err)
		return err;
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		struct ethtool_value ev = { .cmd = cmds[i], .data = 0 };

		memset(&ifr, 0, sizeof ifr);
		snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
		ifr.ifr_data = (char *)&ev;
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 && errno != EOPNOTSUPP) {
			err = -errno;
			break;
		}
	}
	close(fd);
	return err;
}
