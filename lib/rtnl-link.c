#include <config.h>
#include "rtnl-link.h"

#include <errno.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "util.h"

/* Bytes read at a time: a dump packs many links into one datagram. */
#define RTNL_RECV_SIZE (64 * 1024)

struct rtnl_link_monitor {
    int fd;                     /* NETLINK_ROUTE socket. */
    uint32_t dump_seq;          /* Sequence number of the last dump. */
    char *buf;                  /* RTNL_RECV_SIZE bytes. */
};

int
rtnl_link_monitor_create(struct rtnl_link_monitor **monitorp)
{
    struct sockaddr_nl addr;
    struct rtnl_link_monitor *m;
    int fd;

    *monitorp = NULL;
    fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                NETLINK_ROUTE);
    if (fd < 0) {
        return errno;
    }
    memset(&addr, 0, sizeof addr);
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = RTMGRP_LINK;
    if (bind(fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
        int error = errno;

        close(fd);
        return error;
    }

    m = xzalloc(sizeof *m);
    m->fd = fd;
    m->buf = xmalloc(RTNL_RECV_SIZE);
    *monitorp = m;
    return 0;
}

void
rtnl_link_monitor_destroy(struct rtnl_link_monitor *m)
{
    if (m) {
        close(m->fd);
        free(m->buf);
        free(m);
    }
}

int
rtnl_link_monitor_fd(const struct rtnl_link_monitor *m)
{
    return m->fd;
}

int
rtnl_link_monitor_dump(struct rtnl_link_monitor *m)
{
    struct {
        struct nlmsghdr nlh;
        struct ifinfomsg ifi;
    } req;
    struct sockaddr_nl kernel;

    memset(&req, 0, sizeof req);
    req.nlh.nlmsg_len = sizeof req;
    req.nlh.nlmsg_type = RTM_GETLINK;
    req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.nlh.nlmsg_seq = ++m->dump_seq ? m->dump_seq : ++m->dump_seq;
    req.ifi.ifi_family = AF_UNSPEC;
    memset(&kernel, 0, sizeof kernel);
    kernel.nl_family = AF_NETLINK;
    if (sendto(m->fd, &req, sizeof req, 0, (struct sockaddr *) &kernel,
               sizeof kernel) < 0) {
        return errno;
    }
    return 0;
}

/* Parses the RTM_NEWLINK or RTM_DELLINK message 'nlh' and calls 'cb'. */
static void
rtnl_link_parse(const struct nlmsghdr *nlh, rtnl_link_func *cb, void *aux)
{
    const struct ifinfomsg *ifi = NLMSG_DATA(nlh);
    struct rtnl_link_state state;
    char name[IFNAMSIZ];
    const struct rtattr *rta;
    int len;

    if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *ifi)) {
        return;
    }
    name[0] = '\0';
    len = nlh->nlmsg_len - NLMSG_LENGTH(sizeof *ifi);
    for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type == IFLA_IFNAME) {
            size_t size = RTA_PAYLOAD(rta);

            size = NFVS_MIN(size, sizeof name - 1);
            memcpy(name, RTA_DATA(rta), size);
            name[size] = '\0';
        }
    }
    if (!name[0]) {
        return;
    }
    state.name = name;
    state.ifindex = ifi->ifi_index;
    state.admin_up = (ifi->ifi_flags & IFF_UP) != 0;
    state.carrier = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
    state.deleted = nlh->nlmsg_type == RTM_DELLINK;
    state.from_dump = nlh->nlmsg_seq != 0;
    cb(&state, aux);
}

int
rtnl_link_monitor_run(struct rtnl_link_monitor *m, rtnl_link_func *cb,
                      void *aux)
{
    for (;;) {
        const struct nlmsghdr *nlh;
        ssize_t n;
        int len;

        n = recv(m->fd, m->buf, RTNL_RECV_SIZE, MSG_DONTWAIT);
        if (n < 0) {
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno;
        }
        len = n;
        for (nlh = (const struct nlmsghdr *) m->buf; NLMSG_OK(nlh, len);
             nlh = NLMSG_NEXT(nlh, len)) {
            if (nlh->nlmsg_type == RTM_NEWLINK
                || nlh->nlmsg_type == RTM_DELLINK) {
                rtnl_link_parse(nlh, cb, aux);
            }
        }
    }
}
