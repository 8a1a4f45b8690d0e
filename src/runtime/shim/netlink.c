/*
 * A container's veth endpoint, made with rtnetlink from the shim during the start handshake
 * (the `veth` request, protocol in main.c) instead of two `ip -batch` processes spawned by
 * the engine (one of them through nsenter): each spawn costs the engine 10-30 ms here. The
 * steps are those of `ip` in src/network/drivers/commands.ts attachEndpoint, in its order:
 *   host netns:      link add <host> type veth peer name <if> address <mac> netns <pid>;
 *                    link set <host> master <bridge>; bridge_slave hairpin on; link set <host> up
 *   container netns: addr add <ip>/<len> brd + dev <if>; link set <if> up; link set lo up;
 *                    [route add default via <gw> dev <if>]
 * The container netns is reached with setns on /proc/<pid>/ns/net (the shim is host root,
 * so it may enter a netns owned by the container's user namespace); the shim goes back to
 * its own netns before it returns. Errors name the step and the kernel's answer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include "shim.h"

struct nlreq { struct nlmsghdr *h; char buf[1024]; };

static void nl_init(struct nlreq *r, int type, int flags, const void *body, size_t len)
{
	memset(r->buf, 0, sizeof(r->buf));
	r->h = (struct nlmsghdr *)r->buf;
	r->h->nlmsg_len = NLMSG_LENGTH(len);
	r->h->nlmsg_type = type;
	r->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	memcpy(NLMSG_DATA(r->h), body, len);
}

static struct rtattr *nl_attr(struct nlreq *r, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)(r->buf + NLMSG_ALIGN(r->h->nlmsg_len));
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len) memcpy(RTA_DATA(a), data, len);
	r->h->nlmsg_len = NLMSG_ALIGN(r->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void nl_end(struct nlreq *r, struct rtattr *nest) { nest->rta_len = r->buf + r->h->nlmsg_len - (char *)nest; }

/* Sends one request and reads its ack: 0, or -errno (errno set too). */
static int nl_talk(int fd, struct nlreq *r)
{
	static unsigned seq;
	r->h->nlmsg_seq = ++seq;
	if (send(fd, r->h, r->h->nlmsg_len, 0) < 0) return -errno;
	char buf[4096];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) { if (errno == EINTR) continue; return -errno; }
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq || h->nlmsg_type != NLMSG_ERROR) continue;
			int e = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			errno = -e;
			return e;
		}
	}
}

static int nl_open(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0) return -1;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) { close(fd); return -1; }
	return fd;
}

/* Sets `flags` (IFF_UP) and, when master > 0, the master of link `index`. */
static int link_set(int fd, int index, unsigned flags, int master)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = flags, .ifi_change = flags };
	struct nlreq r;
	nl_init(&r, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
	if (master > 0) nl_attr(&r, IFLA_MASTER, &master, sizeof(master));
	return nl_talk(fd, &r);
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]) != 6) return -1;
	for (int i = 0; i < 6; i++) mac[i] = v[i];
	return 0;
}

/* Writes "error <what>: <strerror>" to `out` (the reply to the engine) and returns -1. */
static int refuse(char *out, size_t cap, const char *what, int e)
{
	snprintf(out, cap, "%s: %s", what, strerror(e));
	return -1;
}

static int host_side(const struct veth_req *v, pid_t c, char *err, size_t cap)
{
	char what[160];
	unsigned char mac[6];
	if (parse_mac(v->mac, mac) < 0) { errno = EINVAL; return refuse(err, cap, "veth mac", errno); }
	int bridge = if_nametoindex(v->bridge);
	if (!bridge) return refuse(err, cap, v->bridge, errno);
	int fd = nl_open();
	if (fd < 0) return refuse(err, cap, "netlink socket", errno);
	/* link add <host> type veth peer name <if> address <mac> netns <pid> */
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nlreq r;
	nl_init(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof(ifi));
	nl_attr(&r, IFLA_IFNAME, v->host, strlen(v->host) + 1);
	struct rtattr *info = nl_attr(&r, IFLA_LINKINFO, NULL, 0);
	nl_attr(&r, IFLA_INFO_KIND, "veth", 5);
	struct rtattr *data = nl_attr(&r, IFLA_INFO_DATA, NULL, 0);
	struct rtattr *peer = nl_attr(&r, VETH_INFO_PEER, &ifi, sizeof(ifi));
	nl_attr(&r, IFLA_IFNAME, v->ifname, strlen(v->ifname) + 1);
	nl_attr(&r, IFLA_ADDRESS, mac, 6);
	unsigned pid = c;
	nl_attr(&r, IFLA_NET_NS_PID, &pid, sizeof(pid));
	nl_end(&r, peer);
	nl_end(&r, data);
	nl_end(&r, info);
	int e = nl_talk(fd, &r);
	if (e < 0) { snprintf(what, sizeof(what), "add veth %s peer %s", v->host, v->ifname); close(fd); return refuse(err, cap, what, -e); }
	int host = if_nametoindex(v->host);
	if (!host) { snprintf(what, sizeof(what), "find veth %s", v->host); close(fd); return refuse(err, cap, what, errno); }
	if ((e = link_set(fd, host, 0, bridge)) < 0) { snprintf(what, sizeof(what), "set %s master %s", v->host, v->bridge); close(fd); return refuse(err, cap, what, -e); }
	/* hairpin lets a container reach its own published port through the host's address */
	char path[96];
	snprintf(path, sizeof(path), "/sys/class/net/%s/brport/hairpin_mode", v->host);
	if (write_file(path, "1") < 0) { snprintf(what, sizeof(what), "hairpin on %s", v->host); close(fd); return refuse(err, cap, what, errno); }
	if ((e = link_set(fd, host, IFF_UP, 0)) < 0) { snprintf(what, sizeof(what), "set %s up", v->host); close(fd); return refuse(err, cap, what, -e); }
	close(fd);
	return 0;
}

static int netns_side(const struct veth_req *v, int fd, char *err, size_t cap)
{
	char what[160];
	struct in_addr ip, gw;
	if (inet_pton(AF_INET, v->ip, &ip) != 1 || v->prefix < 0 || v->prefix > 32) { snprintf(what, sizeof(what), "address %s/%d", v->ip, v->prefix); return refuse(err, cap, what, EINVAL); }
	int index = if_nametoindex(v->ifname);
	if (!index) { snprintf(what, sizeof(what), "find %s in the container", v->ifname); return refuse(err, cap, what, errno); }
	/* addr add <ip>/<len> brd + dev <if> (brd +: the host part all ones) */
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = v->prefix, .ifa_scope = RT_SCOPE_UNIVERSE, .ifa_index = index };
	struct nlreq r;
	nl_init(&r, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	nl_attr(&r, IFA_LOCAL, &ip, 4);
	nl_attr(&r, IFA_ADDRESS, &ip, 4);
	if (v->prefix < 31) {
		struct in_addr brd = { .s_addr = ip.s_addr | htonl(v->prefix ? 0xffffffffu >> v->prefix : 0xffffffffu) };
		nl_attr(&r, IFA_BROADCAST, &brd, 4);
	}
	int e = nl_talk(fd, &r);
	if (e < 0) { snprintf(what, sizeof(what), "add address %s/%d to %s", v->ip, v->prefix, v->ifname); return refuse(err, cap, what, -e); }
	if ((e = link_set(fd, index, IFF_UP, 0)) < 0) { snprintf(what, sizeof(what), "set %s up", v->ifname); return refuse(err, cap, what, -e); }
	int lo = if_nametoindex("lo");
	if (!lo) return refuse(err, cap, "find lo in the container", errno);
	if ((e = link_set(fd, lo, IFF_UP, 0)) < 0) return refuse(err, cap, "set lo up", -e);
	if (!v->gateway[0]) return 0;
	if (inet_pton(AF_INET, v->gateway, &gw) != 1) { snprintf(what, sizeof(what), "gateway %s", v->gateway); return refuse(err, cap, what, EINVAL); }
	/* route add default via <gw> dev <if> (ip's defaults: main table, proto boot) */
	struct rtmsg rt = { .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST };
	nl_init(&r, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof(rt));
	nl_attr(&r, RTA_GATEWAY, &gw, 4);
	nl_attr(&r, RTA_OIF, &index, sizeof(index));
	if ((e = nl_talk(fd, &r)) < 0) { snprintf(what, sizeof(what), "add default route via %s dev %s", v->gateway, v->ifname); return refuse(err, cap, what, -e); }
	return 0;
}

int veth_parse(const char *words, struct veth_req *v)
{
	char tail;
	memset(v, 0, sizeof(*v));
	/* <host> <bridge> <if> <mac> <ip>/<len> <gateway|-> */
	if (sscanf(words, "%15s %15s %15s %17s %15[0-9.]/%d %15s %c", v->host, v->bridge, v->ifname, v->mac, v->ip, &v->prefix, v->gateway, &tail) != 7) return -1;
	if (!strcmp(v->gateway, "-")) v->gateway[0] = 0;
	return 0;
}

int veth_setup(const struct veth_req *v, pid_t c, char *err, size_t cap)
{
	if (host_side(v, c, err, cap) < 0) return -1;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", c);
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) return refuse(err, cap, "open the shim's netns", errno);
	int target = open(path, O_RDONLY | O_CLOEXEC);
	if (target < 0) { close(self); return refuse(err, cap, path, errno); }
	if (setns(target, CLONE_NEWNET) < 0) { close(self); close(target); return refuse(err, cap, "enter the container's netns", errno); }
	close(target);
	/* a netlink socket stays in the netns it was made in: made here, it speaks for the container */
	int fd = nl_open();
	int r = fd < 0 ? refuse(err, cap, "netlink socket in the container", errno) : netns_side(v, fd, err, cap);
	if (fd >= 0) close(fd);
	if (setns(self, CLONE_NEWNET) < 0) {
		/* the shim must not go on in the container's netns */
		say(1, "error return to the shim's netns: %s", strerror(errno));
		_exit(1);
	}
	close(self);
	return r;
}
