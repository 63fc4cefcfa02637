/* tests/nfvstest.h: the registry behind the single 'nfvstest' binary.
 *
 * Each tests/test-foo.c ends with
 *     NFVSTEST_REGISTER("test-foo", test_foo_main);
 * and "nfvstest test-foo ARGS..." calls test_foo_main() with argv[0] set
 * to "test-foo".  A test main returns the process exit status. */
#ifndef NFVSTEST_H
#define NFVSTEST_H 1

#include <stdio.h>
#include <stdlib.h>

typedef int nfvstest_main_func(int argc, char *argv[]);

struct nfvstest {
    const char *name;           /* "test-foo". */
    nfvstest_main_func *main;   /* Its entry point. */
    struct nfvstest *next;      /* Next registered test. */
};

void nfvstest_register(struct nfvstest *);

#define NFVSTEST_REGISTER(NAME, FUNC)                                   \
    static struct nfvstest nfvstest_##FUNC = { NAME, FUNC, NULL };      \
    static void nfvstest_register_##FUNC(void)                          \
        __attribute__((constructor));                                   \
    static void nfvstest_register_##FUNC(void)                          \
    {                                                                   \
        nfvstest_register(&nfvstest_##FUNC);                            \
    }

/* Returns the value in kB of 'field' (e.g. "VmRSS", "VmHWM") in
 * /proc/'pid'/status, or -1 if it cannot be read. */
long long int nfvstest_proc_status_kb(const char *pid, const char *field);

/* Checks 'COND'; on failure prints where and aborts the test program. */
#define CHECK(COND)                                                     \
    do {                                                                \
        if (!(COND)) {                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n",                \
                    __FILE__, __LINE__, #COND);                         \
            abort();                                                    \
        }                                                               \
    } while (0)

#endif /* nfvstest.h */
