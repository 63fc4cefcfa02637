#include <config.h>
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *program_name = "nfvs";

static void NFVS_NO_RETURN
out_of_memory(void)
{
    fprintf(stderr, "%s: virtual memory exhausted\n", program_name);
    abort();
}

void *
xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
xzalloc(size_t size)
{
    return xcalloc(1, size);
}

void *
xcalloc(size_t n, size_t size)
{
    void *p = n && size ? calloc(n, size) : calloc(1, 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
xmemdup(const void *p, size_t size)
{
    void *q = xmalloc(size);
    memcpy(q, p, size);
    return q;
}

char *
xmemdup0(const char *s, size_t len)
{
    char *p = xmalloc(len + 1);
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *
xstrdup(const char *s)
{
    return xmemdup0(s, strlen(s));
}

char *
xvasprintf(const char *format, va_list args)
{
    va_list args2;
    char *s;
    int n;

    va_copy(args2, args);
    n = vsnprintf(NULL, 0, format, args);
    s = xmalloc(n + 1);
    vsnprintf(s, n + 1, format, args2);
    va_end(args2);
    return s;
}

char *
xasprintf(const char *format, ...)
{
    va_list args;
    char *s;

    va_start(args, format);
    s = xvasprintf(format, args);
    va_end(args);
    return s;
}

const char *
nfvs_strerror(int error)
{
    static __thread char buf[128];

    if (!error) {
        return "Success";
    }
    if (error == EOF) {
        return "End of file";
    }
    /* The GNU strerror_r() may return a static string instead of filling
     * 'buf'. */
    return strerror_r(error, buf, sizeof buf);
}

void
nfvs_set_program_name(const char *argv0)
{
    const char *slash = strrchr(argv0, '/');
    program_name = slash ? slash + 1 : argv0;
}

const char *
nfvs_program_name(void)
{
    return program_name;
}

void
nfvs_fatal(int error, const char *format, ...)
{
    va_list args;

    fprintf(stderr, "%s: ", program_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    if (error) {
        fprintf(stderr, ": %s", nfvs_strerror(error));
    }
    putc('\n', stderr);
    exit(1);
}

bool
str_to_llong(const char *s, int base, long long int *valuep)
{
    char *tail;

    errno = 0;
    *valuep = strtoll(s, &tail, base);
    return !errno && tail != s && *tail == '\0';
}

bool
str_to_ullong(const char *s, int base, unsigned long long int *valuep)
{
    char *tail;

    errno = 0;
    if (*s == '-') {
        return false;
    }
    *valuep = strtoull(s, &tail, base);
    return !errno && tail != s && *tail == '\0';
}

bool
str_to_int(const char *s, int base, int *valuep)
{
    long long int v;

    if (!str_to_llong(s, base, &v) || v < INT_MIN || v > INT_MAX) {
        return false;
    }
    *valuep = v;
    return true;
}

bool
str_to_uint(const char *s, int base, unsigned int *valuep)
{
    unsigned long long int v;

    if (!str_to_ullong(s, base, &v) || v > UINT_MAX) {
        return false;
    }
    *valuep = v;
    return true;
}

static long long int
timespec_to_msec(const struct timespec *ts)
{
    return (long long int) ts->tv_sec * 1000 + ts->tv_nsec / 1000000;
}

long long int
time_msec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return timespec_to_msec(&ts);
}

long long int
time_wall_msec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return timespec_to_msec(&ts);
}
