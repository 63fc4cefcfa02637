/* tests/fuzz.h: fuzz targets, built two ways.
 *
 * Each tests/fuzz-NAME.c holds one target, a function that takes one
 * input of any bytes and aborts (or trips a sanitizer) when it finds a
 * bug, and ends with
 *     FUZZ_TARGET("NAME", fuzz_name_one);
 * With "configure --enable-fuzzing" the file is also compiled with
 * NFVS_LIBFUZZER defined into the libFuzzer program tests/fuzz-NAME, and
 * FUZZ_TARGET defines LLVMFuzzerTestOneInput().  In every build the file
 * is compiled into tests/fuzz-replay, where FUZZ_TARGET registers the
 * function under NAME, so that "fuzz-replay NAME FILE|DIR..." runs each
 * input of a corpus once under the ordinary compiler (and under ASan in
 * CI's sanitizer build) as part of "make check".
 *
 * A target must give the same verdict for the same input whatever ran
 * before it in the same process: it starts from fresh state or resets
 * it. */
#ifndef NFVS_TESTS_FUZZ_H
#define NFVS_TESTS_FUZZ_H 1

#include <stddef.h>
#include <stdint.h>

/* Runs one input; returns 0 (libFuzzer's convention; other values are
 * reserved). */
typedef int fuzz_func(const uint8_t *data, size_t size);

#ifdef NFVS_LIBFUZZER
#define FUZZ_TARGET(NAME, FUNC)                                         \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);       \
    int                                                                 \
    LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)            \
    {                                                                   \
        return FUNC(data, size);                                        \
    }
#else
struct fuzz_target {
    const char *name;           /* "rpc", as in tests/fuzz-rpc.c. */
    fuzz_func *func;            /* Runs one input. */
    struct fuzz_target *next;   /* Next registered target. */
};

void fuzz_register(struct fuzz_target *);

#define FUZZ_TARGET(NAME, FUNC)                                         \
    static struct fuzz_target fuzz_target_##FUNC = { NAME, FUNC, NULL }; \
    static void fuzz_register_##FUNC(void) __attribute__((constructor)); \
    static void                                                         \
    fuzz_register_##FUNC(void)                                          \
    {                                                                   \
        fuzz_register(&fuzz_target_##FUNC);                             \
    }
#endif

#endif /* tests/fuzz.h */
