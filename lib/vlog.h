/* lib/vlog.h: logging with per-module levels changeable at run time.
 *
 * Each .c file that logs names its module once:
 *     VLOG_DEFINE_THIS_MODULE(bridge);
 * and then logs with VLOG_ERR(), VLOG_WARN(), VLOG_INFO(), VLOG_DBG().
 * Anything a packet or a remote peer can trigger uses the rate-limited
 * forms (VLOG_WARN_RL(&rl, ...)) with a 'static struct vlog_rate_limit
 * rl = VLOG_RATE_LIMIT_INIT(RATE, BURST);'.
 *
 * Destinations are the console (stderr), a log file and syslog; each
 * module has one level per destination.  Defaults: console "info",
 * file "info", syslog "err" (file and syslog only once enabled).
 *
 * Line format (console and file):
 *     2026-11-25T22:10:57.123Z|00042|bridge|INFO|added bridge br0
 * i.e. UTC time, a per-process sequence number, module, level, message.
 *
 * Thread-safety: every function may be called from any thread. */
#ifndef NFVS_VLOG_H
#define NFVS_VLOG_H 1

#include <stdarg.h>
#include <stdbool.h>
#include "util.h"

enum vlog_level {
    VLL_OFF,
    VLL_EMER,
    VLL_ERR,
    VLL_WARN,
    VLL_INFO,
    VLL_DBG,
    VLL_N_LEVELS
};

enum vlog_destination {
    VLF_CONSOLE,
    VLF_SYSLOG,
    VLF_FILE,
    VLF_N_DESTINATIONS
};

struct vlog_module {
    const char *name;                       /* "bridge". */
    int levels[VLF_N_DESTINATIONS];         /* enum vlog_level each. */
    int min_level;                          /* Max over 'levels' of the
                                             * destinations in use. */
    struct vlog_module *next;               /* In the list of modules. */
};

void vlog_register_module__(struct vlog_module *);

#define VLOG_DEFINE_THIS_MODULE(NAME)                                   \
    static struct vlog_module this_module = {                           \
        #NAME, { VLL_INFO, VLL_ERR, VLL_INFO }, VLL_INFO, NULL };       \
    static void vlog_init_this_module__(void)                           \
        __attribute__((constructor));                                   \
    static void vlog_init_this_module__(void)                           \
    {                                                                   \
        vlog_register_module__(&this_module);                           \
    }

struct vlog_rate_limit {
    int rate;                   /* Messages per minute allowed. */
    int burst;                  /* Messages allowed at once. */
    double tokens;              /* Messages allowed now. */
    long long int last_fill;    /* When 'tokens' was last refilled (ms). */
    long long int first_dropped;/* First drop since the last message. */
    unsigned int n_dropped;     /* Messages dropped since last message. */
};

#define VLOG_RATE_LIMIT_INIT(RATE, BURST) { RATE, BURST, BURST, 0, 0, 0 }

bool vlog_is_enabled(const struct vlog_module *, enum vlog_level);
void vlog(const struct vlog_module *, enum vlog_level, const char *fmt, ...)
    NFVS_PRINTF_FORMAT(3, 4);
void vlog_valist(const struct vlog_module *, enum vlog_level,
                 const char *fmt, va_list) NFVS_PRINTF_FORMAT(3, 0);
void vlog_rate_limit(const struct vlog_module *, enum vlog_level,
                     struct vlog_rate_limit *, const char *fmt, ...)
    NFVS_PRINTF_FORMAT(4, 5);

#define VLOG__(LEVEL, ...)                                              \
    do {                                                                \
        if (this_module.min_level >= (LEVEL)) {                         \
            vlog(&this_module, LEVEL, __VA_ARGS__);                     \
        }                                                               \
    } while (0)
#define VLOG_RL__(RL, LEVEL, ...)                                       \
    do {                                                                \
        if (this_module.min_level >= (LEVEL)) {                         \
            vlog_rate_limit(&this_module, LEVEL, RL, __VA_ARGS__);      \
        }                                                               \
    } while (0)

#define VLOG_EMER(...) VLOG__(VLL_EMER, __VA_ARGS__)
#define VLOG_ERR(...) VLOG__(VLL_ERR, __VA_ARGS__)
#define VLOG_WARN(...) VLOG__(VLL_WARN, __VA_ARGS__)
#define VLOG_INFO(...) VLOG__(VLL_INFO, __VA_ARGS__)
#define VLOG_DBG(...) VLOG__(VLL_DBG, __VA_ARGS__)
#define VLOG_ERR_RL(RL, ...) VLOG_RL__(RL, VLL_ERR, __VA_ARGS__)
#define VLOG_WARN_RL(RL, ...) VLOG_RL__(RL, VLL_WARN, __VA_ARGS__)
#define VLOG_INFO_RL(RL, ...) VLOG_RL__(RL, VLL_INFO, __VA_ARGS__)
#define VLOG_DBG_RL(RL, ...) VLOG_RL__(RL, VLL_DBG, __VA_ARGS__)

/* Level and destination names: "off", "emer", "err", "warn", "info",
 * "dbg"; "console", "syslog", "file".  Return -1 for an unknown name. */
int vlog_level_from_string(const char *);
const char *vlog_level_to_string(enum vlog_level);
int vlog_destination_from_string(const char *);

/* Sets the level of 'module' ("ANY" or NULL = every module) for
 * 'destination' (-1 = every destination).  Returns 0, or ENOENT for an
 * unknown module name. */
int vlog_set_level(const char *module, int destination, enum vlog_level);

/* Parses and applies "MODULE[:DESTINATION]:LEVEL", where MODULE and
 * DESTINATION may be "ANY", "DESTINATION:LEVEL" for every module, or a
 * lone "LEVEL" for every module and destination.  Returns
 * NULL on success, otherwise a malloc'd error message naming the bad
 * word (caller frees), e.g. "unknown module \"brdige\"". */
char *vlog_set_levels_from_string(const char *);

/* Opens 'path' for appending as the log file (NULL closes it).  Returns 0
 * or a positive errno value; on failure the old file stays in use. */
int vlog_set_log_file(const char *path);
/* Closes and reopens the log file by name, for log rotation (SIGHUP).
 * Returns 0 or a positive errno value. */
int vlog_reopen_log_file(void);
/* Enables or disables syslog output under the program's name. */
void vlog_set_syslog(bool enable);

/* Returns a malloc'd table of every module and its levels, one line per
 * module, for "nfvs-ctl set-log" and "vlog/list": caller frees. */
char *vlog_get_levels(void);

/* One module's levels, as vlog_get_module_levels() returns them. */
struct vlog_module_levels {
    char *name;                             /* Module name. */
    int levels[VLF_N_DESTINATIONS];         /* enum vlog_level each. */
};

/* Returns every module's levels sorted by name, in a malloc'd array of
 * '*n'.  Caller frees each 'name' and the array. */
struct vlog_module_levels *vlog_get_module_levels(size_t *n);

#endif /* vlog.h */
