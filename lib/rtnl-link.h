/* lib/rtnl-link.h: network device (link) state changes from the kernel.
 *
 * A 'struct rtnl_link_monitor' is a NETLINK_ROUTE socket that listens to
 * the kernel's link notifications (RTM_NEWLINK, RTM_DELLINK of the
 * RTNLGRP_LINK group), and can ask for a dump of every link, whose
 * answers arrive the same way.  It does not block and has no thread: the
 * caller polls its fd (in the event loop) and calls
 * rtnl_link_monitor_run() when it is readable.  It speaks rtnetlink
 * itself, through the kernel's uapi headers, not through libnl.
 *
 * Thread-safety: one monitor belongs to one thread. */
#ifndef NFVS_RTNL_LINK_H
#define NFVS_RTNL_LINK_H 1

#include <stdbool.h>

struct rtnl_link_monitor;

/* One link's state, as a notification or a dump reported it. */
struct rtnl_link_state {
    const char *name;           /* Device name. */
    int ifindex;                /* Its index. */
    bool admin_up;              /* IFF_UP: configured up. */
    bool carrier;               /* IFF_LOWER_UP: the link has carrier. */
    bool deleted;               /* The device is gone (RTM_DELLINK). */
    bool from_dump;             /* Answer to rtnl_link_monitor_dump(), not
                                 * a notification of a change. */
};

typedef void rtnl_link_func(const struct rtnl_link_state *, void *aux);

/* Opens a monitor in the current network namespace.  Returns 0 and the
 * monitor in '*monitorp', or a positive errno value. */
int rtnl_link_monitor_create(struct rtnl_link_monitor **monitorp);
void rtnl_link_monitor_destroy(struct rtnl_link_monitor *); /* NULL ok. */

/* The socket, to poll for reading. */
int rtnl_link_monitor_fd(const struct rtnl_link_monitor *);

/* Asks the kernel for the state of every link; the answers come through
 * rtnl_link_monitor_run() with 'from_dump' set.  Returns 0 or a positive
 * errno value. */
int rtnl_link_monitor_dump(struct rtnl_link_monitor *);

/* Reads every message waiting, without blocking, and calls 'cb' with
 * 'aux' for each link it reports.  Returns 0, or ENOBUFS if the kernel
 * had to drop notifications because the socket was full (the caller
 * then asks for a dump to learn the current states), or another positive
 * errno value. */
int rtnl_link_monitor_run(struct rtnl_link_monitor *, rtnl_link_func *cb,
                          void *aux);

#endif /* rtnl-link.h */
