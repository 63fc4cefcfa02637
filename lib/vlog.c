#include <config.h>
#include "vlog.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "dynamic-string.h"

VLOG_DEFINE_THIS_MODULE(vlog);

/* 'vlog_mutex' protects everything below it and serializes output, so
 * that lines from different threads never interleave and sequence numbers
 * appear in order in every destination. */
static pthread_mutex_t vlog_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct vlog_module *modules;     /* All registered modules. */
static int default_levels[VLF_N_DESTINATIONS] = {
    VLL_INFO, VLL_ERR, VLL_INFO         /* For modules registered later. */
};
static unsigned int msg_num;            /* Last sequence number used. */
static int log_fd = -1;                 /* Log file, or -1. */
static char *log_file_name;             /* Its name, or NULL. */
static bool syslog_enabled;             /* True after vlog_set_syslog(). */

/* 'rl_mutex' protects every 'struct vlog_rate_limit'.  It is a separate
 * lock because the rate limiter logs after deciding, with 'vlog_mutex'. */
static pthread_mutex_t rl_mutex = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[VLL_N_LEVELS] = {
    "off", "emer", "err", "warn", "info", "dbg"
};
static const char *const level_names_upper[VLL_N_LEVELS] = {
    "OFF", "EMER", "ERR", "WARN", "INFO", "DBG"
};
static const int syslog_priorities[VLL_N_LEVELS] = {
    LOG_DEBUG, LOG_ALERT, LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG
};
static const char *const destination_names[VLF_N_DESTINATIONS] = {
    "console", "syslog", "file"
};

/* A child forked while another thread logs must not inherit a locked
 * mutex, so fork() takes both locks first. */
static void
vlog_atfork_prepare(void)
{
    pthread_mutex_lock(&rl_mutex);
    pthread_mutex_lock(&vlog_mutex);
}

static void
vlog_atfork_release(void)
{
    pthread_mutex_unlock(&vlog_mutex);
    pthread_mutex_unlock(&rl_mutex);
}

static void vlog_init__(void) __attribute__((constructor));
static void
vlog_init__(void)
{
    pthread_atfork(vlog_atfork_prepare, vlog_atfork_release,
                   vlog_atfork_release);
}

static bool
destination_is_active(int destination)
{
    switch (destination) {
    case VLF_CONSOLE:
        return true;
    case VLF_SYSLOG:
        return syslog_enabled;
    case VLF_FILE:
        return log_fd >= 0;
    default:
        return false;
    }
}

/* Recomputes 'module->min_level', which the logging macros read without
 * the lock as a cheap filter.  Called with 'vlog_mutex' held. */
static void
update_min_level(struct vlog_module *module)
{
    int min_level = VLL_OFF;
    int dest;

    for (dest = 0; dest < VLF_N_DESTINATIONS; dest++) {
        if (destination_is_active(dest)
            && module->levels[dest] > min_level) {
            min_level = module->levels[dest];
        }
    }
    __atomic_store_n(&module->min_level, min_level, __ATOMIC_RELAXED);
}

static void
update_all_min_levels(void)
{
    struct vlog_module *module;

    for (module = modules; module; module = module->next) {
        update_min_level(module);
    }
}

void
vlog_register_module__(struct vlog_module *module)
{
    int dest;

    pthread_mutex_lock(&vlog_mutex);
    for (dest = 0; dest < VLF_N_DESTINATIONS; dest++) {
        module->levels[dest] = default_levels[dest];
    }
    update_min_level(module);
    module->next = modules;
    modules = module;
    pthread_mutex_unlock(&vlog_mutex);
}

int
vlog_level_from_string(const char *s)
{
    int level;

    for (level = 0; level < VLL_N_LEVELS; level++) {
        if (!strcasecmp(s, level_names[level])) {
            return level;
        }
    }
    return -1;
}

const char *
vlog_level_to_string(enum vlog_level level)
{
    return level < VLL_N_LEVELS ? level_names[level] : "<invalid>";
}

int
vlog_destination_from_string(const char *s)
{
    int dest;

    for (dest = 0; dest < VLF_N_DESTINATIONS; dest++) {
        if (!strcasecmp(s, destination_names[dest])) {
            return dest;
        }
    }
    return -1;
}

static void
set_module_level(struct vlog_module *module, int destination,
                 enum vlog_level level)
{
    int dest;

    for (dest = 0; dest < VLF_N_DESTINATIONS; dest++) {
        if (destination < 0 || destination == dest) {
            module->levels[dest] = level;
        }
    }
    update_min_level(module);
}

int
vlog_set_level(const char *name, int destination, enum vlog_level level)
{
    struct vlog_module *module;
    bool any = !name || !strcasecmp(name, "ANY");
    bool found = false;
    int dest;

    if (destination >= VLF_N_DESTINATIONS
        || (int) level < 0 || level >= VLL_N_LEVELS) {
        return EINVAL;
    }

    pthread_mutex_lock(&vlog_mutex);
    if (any) {
        for (dest = 0; dest < VLF_N_DESTINATIONS; dest++) {
            if (destination < 0 || destination == dest) {
                default_levels[dest] = level;
            }
        }
    }
    for (module = modules; module; module = module->next) {
        if (any || !strcasecmp(module->name, name)) {
            set_module_level(module, destination, level);
            found = true;
        }
    }
    pthread_mutex_unlock(&vlog_mutex);

    return any || found ? 0 : ENOENT;
}

char *
vlog_set_levels_from_string(const char *s)
{
    const char *module = NULL;
    const char *dest_name = NULL;
    const char *level_name;
    char *words[3];
    char *copy = xstrdup(s);
    char *error = NULL;
    char *p = copy;
    int destination = -1;
    size_t n_words = 0;
    int level;

    /* Split on ':' by hand: strtok_r() would merge empty words, which
     * would hide mistakes like "bridge::dbg". */
    for (;;) {
        char *colon = strchr(p, ':');

        if (n_words >= ARRAY_SIZE(words)) {
            error = xasprintf("too many ':'-separated words in \"%s\" "
                              "(expected MODULE[:DESTINATION]:LEVEL)", s);
            goto out;
        }
        words[n_words++] = p;
        if (!colon) {
            break;
        }
        *colon = '\0';
        p = colon + 1;
    }

    level_name = words[n_words - 1];
    if (n_words == 2 && vlog_destination_from_string(words[0]) >= 0) {
        /* "DESTINATION:LEVEL", as in OVS's -vconsole:off.  No module is
         * named after a destination, so this is not ambiguous. */
        dest_name = words[0];
    } else if (n_words >= 2) {
        module = words[0];
    }
    if (n_words == 3) {
        dest_name = words[1];
    }

    level = vlog_level_from_string(level_name);
    if (level < 0) {
        error = xasprintf("unknown level \"%s\"", level_name);
        goto out;
    }
    if (dest_name && strcasecmp(dest_name, "ANY")) {
        destination = vlog_destination_from_string(dest_name);
        if (destination < 0) {
            error = xasprintf("unknown destination \"%s\"", dest_name);
            goto out;
        }
    }
    if (vlog_set_level(module, destination, level)) {
        error = xasprintf("unknown module \"%s\"", module);
    }

out:
    free(copy);
    return error;
}

/* Opens 'path' as a log file.  Returns the new fd, or a negative errno
 * value. */
static int
open_log_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    return fd >= 0 ? fd : -errno;
}

int
vlog_set_log_file(const char *path)
{
    int fd = -1;

    if (path) {
        fd = open_log_file(path);
        if (fd < 0) {
            return -fd;
        }
    }

    pthread_mutex_lock(&vlog_mutex);
    if (log_fd >= 0) {
        close(log_fd);
    }
    free(log_file_name);
    log_fd = fd;
    log_file_name = path ? xstrdup(path) : NULL;
    update_all_min_levels();
    pthread_mutex_unlock(&vlog_mutex);

    if (path) {
        VLOG_INFO("opened log file %s", path);
    }
    return 0;
}

int
vlog_reopen_log_file(void)
{
    char *path;
    int fd;

    pthread_mutex_lock(&vlog_mutex);
    path = log_file_name ? xstrdup(log_file_name) : NULL;
    pthread_mutex_unlock(&vlog_mutex);
    if (!path) {
        return 0;
    }

    /* Opening outside the lock keeps other threads logging meanwhile;
     * only the swap needs it. */
    fd = open_log_file(path);
    if (fd < 0) {
        free(path);
        return -fd;
    }

    pthread_mutex_lock(&vlog_mutex);
    if (log_file_name && !strcmp(log_file_name, path)) {
        close(log_fd);
        log_fd = fd;
        fd = -1;
    }
    pthread_mutex_unlock(&vlog_mutex);

    if (fd >= 0) {
        /* vlog_set_log_file() changed the file meanwhile; it wins. */
        close(fd);
    } else {
        VLOG_INFO("opened log file %s", path);
    }
    free(path);
    return 0;
}

void
vlog_set_syslog(bool enable)
{
    pthread_mutex_lock(&vlog_mutex);
    if (enable && !syslog_enabled) {
        openlog(nfvs_program_name(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
    } else if (!enable && syslog_enabled) {
        closelog();
    }
    syslog_enabled = enable;
    update_all_min_levels();
    pthread_mutex_unlock(&vlog_mutex);
}

bool
vlog_is_enabled(const struct vlog_module *module, enum vlog_level level)
{
    return __atomic_load_n(&module->min_level, __ATOMIC_RELAXED) >= level;
}

/* Writes all of 's' to 'fd', ignoring errors: there is nowhere to report
 * a failure to log. */
static void
write_fully(int fd, const char *s, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, s, size);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return;
        }
        s += n;
        size -= n;
    }
}

static void
format_timestamp(struct ds *line)
{
    struct timespec ts;
    struct tm tm;
    char buf[32];

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    ds_put_format(line, "%s.%03ldZ|", buf, ts.tv_nsec / 1000000);
}

void
vlog_valist(const struct vlog_module *module, enum vlog_level level,
            const char *fmt, va_list args)
{
    bool to_console, to_syslog, to_file;
    struct ds line = DS_EMPTY_INITIALIZER;
    size_t body_start;
    int saved_errno = errno;

    if (level <= VLL_OFF || level >= VLL_N_LEVELS) {
        return;
    }

    pthread_mutex_lock(&vlog_mutex);
    to_console = module->levels[VLF_CONSOLE] >= level;
    to_syslog = syslog_enabled && module->levels[VLF_SYSLOG] >= level;
    to_file = log_fd >= 0 && module->levels[VLF_FILE] >= level;
    if (to_console || to_syslog || to_file) {
        format_timestamp(&line);
        body_start = line.length;
        ds_put_format(&line, "%05u|%s|%s|", ++msg_num, module->name,
                      level_names_upper[level]);
        ds_put_format_valist(&line, fmt, args);
        if (to_syslog) {
            syslog(syslog_priorities[level], "%s", line.string + body_start);
        }
        ds_put_char(&line, '\n');
        if (to_console) {
            write_fully(STDERR_FILENO, line.string, line.length);
        }
        if (to_file) {
            write_fully(log_fd, line.string, line.length);
        }
    }
    pthread_mutex_unlock(&vlog_mutex);

    ds_destroy(&line);
    errno = saved_errno;
}

void
vlog(const struct vlog_module *module, enum vlog_level level,
     const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vlog_valist(module, level, fmt, args);
    va_end(args);
}

/* Token bucket: 'rl->rate' tokens per minute, at most 'rl->burst' saved
 * up.  Returns true if a message may be logged now, otherwise counts it
 * as dropped.  When returning true after drops, stores how many were
 * dropped in '*n_droppedp' and since when in '*first_droppedp'. */
static bool
rate_limit_allow(struct vlog_rate_limit *rl, unsigned int *n_droppedp,
                 long long int *first_droppedp)
{
    long long int now = time_msec();
    bool allow;

    pthread_mutex_lock(&rl_mutex);
    if (now > rl->last_fill) {
        rl->tokens += (double) (now - rl->last_fill) * rl->rate / 60000.0;
        if (rl->tokens > rl->burst) {
            rl->tokens = rl->burst;
        }
        rl->last_fill = now;
    }
    allow = rl->tokens >= 1.0;
    if (allow) {
        rl->tokens -= 1.0;
        *n_droppedp = rl->n_dropped;
        *first_droppedp = rl->first_dropped;
        rl->n_dropped = 0;
    } else {
        if (!rl->n_dropped) {
            rl->first_dropped = now;
        }
        rl->n_dropped++;
    }
    pthread_mutex_unlock(&rl_mutex);

    return allow;
}

void
vlog_rate_limit(const struct vlog_module *module, enum vlog_level level,
                struct vlog_rate_limit *rl, const char *fmt, ...)
{
    long long int first_dropped;
    unsigned int n_dropped;
    va_list args;

    /* A message that would not be logged anyway must not use up tokens. */
    if (!vlog_is_enabled(module, level)
        || !rate_limit_allow(rl, &n_dropped, &first_dropped)) {
        return;
    }

    va_start(args, fmt);
    vlog_valist(module, level, fmt, args);
    va_end(args);

    if (n_dropped) {
        vlog(module, level, "Dropped %u log messages in last %lld seconds "
             "due to excessive rate", n_dropped,
             (time_msec() - first_dropped) / 1000);
    }
}

static int
compare_modules_by_name(const void *a_, const void *b_)
{
    const struct vlog_module *const *a = a_;
    const struct vlog_module *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

struct vlog_module_levels *
vlog_get_module_levels(size_t *np)
{
    struct vlog_module_levels *levels;
    struct vlog_module **sorted;
    struct vlog_module *module;
    size_t i, n = 0;

    pthread_mutex_lock(&vlog_mutex);
    for (module = modules; module; module = module->next) {
        n++;
    }
    sorted = xcalloc(n, sizeof *sorted);
    n = 0;
    for (module = modules; module; module = module->next) {
        sorted[n++] = module;
    }
    qsort(sorted, n, sizeof *sorted, compare_modules_by_name);
    levels = xcalloc(n, sizeof *levels);
    for (i = 0; i < n; i++) {
        levels[i].name = xstrdup(sorted[i]->name);
        memcpy(levels[i].levels, sorted[i]->levels,
               sizeof levels[i].levels);
    }
    pthread_mutex_unlock(&vlog_mutex);

    free(sorted);
    *np = n;
    return levels;
}

char *
vlog_get_levels(void)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct vlog_module_levels *levels;
    size_t i, n;

    levels = vlog_get_module_levels(&n);
    ds_put_format(&s, "%-16s %-10s %-10s %s\n",
                  "", "console", "syslog", "file");
    for (i = 0; i < n; i++) {
        ds_put_format(&s, "%-16s %-10s %-10s %s\n", levels[i].name,
                      level_names_upper[levels[i].levels[VLF_CONSOLE]],
                      level_names_upper[levels[i].levels[VLF_SYSLOG]],
                      level_names_upper[levels[i].levels[VLF_FILE]]);
        free(levels[i].name);
    }
    free(levels);
    return ds_steal_cstr(&s);
}
