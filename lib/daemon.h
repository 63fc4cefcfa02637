/* lib/daemon.h: becoming a well-behaved daemon.
 *
 * Pidfiles are locked with fcntl() for as long as the process lives, so a
 * second daemon with the same pidfile refuses to start and a pidfile left
 * by a crashed process is taken over.  fcntl() locks are not inherited
 * by fork(), so a daemon that detaches writes its pidfile after
 * daemon_detach_start(), in the child.  Call from the main thread only. */
#ifndef NFVS_DAEMON_H
#define NFVS_DAEMON_H 1

#include <stdbool.h>
#include <sys/types.h>
#include "util.h"

/* Creates and locks 'path', writing this process's pid into it.  Returns
 * 0, EBUSY if another live process holds it (its pid in '*other_pidp' if
 * nonnull), or another positive errno value.  The file is removed by
 * daemon_remove_pidfile() or at normal exit. */
int daemon_write_pidfile(const char *path, pid_t *other_pidp);
void daemon_remove_pidfile(void);

/* Reads the pid in 'path' of a process that holds its lock; returns 0 and
 * stores it in '*pidp', or ESRCH if no live process holds the file, or
 * another positive errno value. */
int daemon_read_pidfile(const char *path, pid_t *pidp);

/* Forks; the parent waits until the child calls daemon_detach_done()
 * (then exits 0) or exits (then exits with the child's status), so that
 * "--detach" returns only once the daemon is ready to serve.  The child
 * becomes a session leader with stdin/stdout/stderr on /dev/null once it
 * calls daemon_detach_done().  Returns in the child only. */
void daemon_detach_start(void);
void daemon_detach_done(void);

/* Sends 'state' (e.g. "READY=1", "STATUS=...") to systemd when
 * $NOTIFY_SOCKET is set; otherwise does nothing.  Returns 0 or a positive
 * errno value. */
int daemon_notify(const char *state);

/* Sends "STATUS=" followed by the formatted text, like daemon_notify(). */
int daemon_notify_status(const char *format, ...) NFVS_PRINTF_FORMAT(1, 2);

/* Returns how often, in ms, this process should send "WATCHDOG=1" with
 * daemon_notify(): half of $WATCHDOG_USEC (at least 1 ms), as systemd
 * recommends.  Returns 0 when systemd's watchdog is off for this process:
 * $WATCHDOG_USEC unset, not a positive number, or $WATCHDOG_PID set to
 * another process's pid (the variables a forked child inherits are not
 * meant for it). */
long long int daemon_watchdog_interval(void);

#endif /* daemon.h */
