/* lib/util.h: small helpers every nfvs module uses.
 *
 * Memory: xmalloc() and friends abort the process on allocation failure,
 * so their results are never checked for NULL.  Errors are positive errno
 * values; nfvs_strerror() turns one into text and is thread-safe. */
#ifndef NFVS_UTIL_H
#define NFVS_UTIL_H 1

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(ARRAY) (sizeof (ARRAY) / sizeof (ARRAY)[0])

/* Returns a pointer to the struct of type STRUCT that contains 'POINTER'
 * as its member MEMBER. */
#define CONTAINER_OF(POINTER, STRUCT, MEMBER)                           \
    ((STRUCT *) (void *) ((char *) (POINTER) - offsetof(STRUCT, MEMBER)))

#define NFVS_PRINTF_FORMAT(FMT, ARG1) \
    __attribute__((__format__(printf, FMT, ARG1)))
#define NFVS_NO_RETURN __attribute__((__noreturn__))
#define NFVS_UNUSED __attribute__((__unused__))
#define NFVS_WARN_UNUSED_RESULT __attribute__((__warn_unused_result__))
#define NFVS_LIKELY(X) __builtin_expect(!!(X), 1)
#define NFVS_UNLIKELY(X) __builtin_expect(!!(X), 0)

#define NFVS_MIN(A, B) ((A) < (B) ? (A) : (B))
#define NFVS_MAX(A, B) ((A) > (B) ? (A) : (B))
#define DIV_ROUND_UP(X, Y) (((X) + ((Y) - 1)) / (Y))
#define ROUND_UP(X, Y) (DIV_ROUND_UP(X, Y) * (Y))

void *xmalloc(size_t size);
void *xzalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
void *xmemdup(const void *p, size_t size);
char *xstrdup(const char *s);
char *xmemdup0(const char *s, size_t len);
char *xasprintf(const char *format, ...) NFVS_PRINTF_FORMAT(1, 2);
char *xvasprintf(const char *format, va_list args) NFVS_PRINTF_FORMAT(1, 0);

/* Frees '*p', then sets it to NULL. */
#define FREE_AND_NULL(P) do { free(P); (P) = NULL; } while (0)

const char *nfvs_strerror(int error);

/* Prints "PROGRAM: message[: strerror(error)]" on stderr and exits with
 * status 1.  'error' of 0 omits the errno text. */
void nfvs_fatal(int error, const char *format, ...)
    NFVS_PRINTF_FORMAT(2, 3) NFVS_NO_RETURN;
void nfvs_set_program_name(const char *argv0);
const char *nfvs_program_name(void);

bool str_to_int(const char *s, int base, int *valuep);
bool str_to_uint(const char *s, int base, unsigned int *valuep);
bool str_to_llong(const char *s, int base, long long int *valuep);
bool str_to_ullong(const char *s, int base, unsigned long long int *valuep);

/* Monotonic and wall-clock time in milliseconds. */
long long int time_msec(void);
long long int time_wall_msec(void);

static inline bool
is_pow2(uintmax_t x)
{
    return x && !(x & (x - 1));
}

#endif /* util.h */
