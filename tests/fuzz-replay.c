/* tests/fuzz-replay.c: runs fuzz targets on saved inputs, without
 * libFuzzer.
 *
 * Usage: fuzz-replay TARGET FILE|DIR...
 * Runs the target registered as TARGET (see fuzz.h) once on each FILE
 * and on each regular file in each DIR (in name order), printing each
 * file's name before running it, so that the last name printed is the
 * input that crashed.  Exits 0 when every input ran; a bug the target
 * finds aborts the program. */
#include <config.h>
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "util.h"

static struct fuzz_target *targets;

void
fuzz_register(struct fuzz_target *target)
{
    target->next = targets;
    targets = target;
}

/* Reads the whole of 'file_name' into a malloc'd buffer stored in
 * '*datap' (caller frees) and its size in '*sizep'.  Exits on error. */
static void
read_file(const char *file_name, uint8_t **datap, size_t *sizep)
{
    FILE *file = fopen(file_name, "rb");
    uint8_t *data = NULL;
    size_t size = 0, allocated = 0;

    if (!file) {
        nfvs_fatal(errno, "%s: cannot open", file_name);
    }
    for (;;) {
        size_t n;

        if (size == allocated) {
            allocated = allocated ? 2 * allocated : 4096;
            data = xrealloc(data, allocated);
        }
        n = fread(data + size, 1, allocated - size, file);
        if (!n) {
            break;
        }
        size += n;
    }
    if (ferror(file)) {
        nfvs_fatal(errno, "%s: read error", file_name);
    }
    fclose(file);
    *datap = data;
    *sizep = size;
}

static void
run_file(const struct fuzz_target *target, const char *file_name)
{
    uint8_t *data, *copy;
    size_t size;

    printf("%s\n", file_name);
    fflush(stdout);
    read_file(file_name, &data, &size);

    /* An exact-size copy, as libFuzzer passes it, so that ASan catches a
     * read one byte past the input. */
    copy = xmalloc(size ? size : 1);
    memcpy(copy, data, size);
    target->func(copy, size);
    free(copy);
    free(data);
}

static int
compare_names(const void *a_, const void *b_)
{
    const char *const *a = a_;
    const char *const *b = b_;

    return strcmp(*a, *b);
}

/* Runs 'target' on every regular file in directory 'dir_name'.  Returns
 * how many it ran. */
static size_t
run_dir(const struct fuzz_target *target, const char *dir_name)
{
    DIR *dir = opendir(dir_name);
    char **names = NULL;
    size_t n = 0, allocated = 0, n_run = 0, i;
    struct dirent *de;

    if (!dir) {
        nfvs_fatal(errno, "%s: cannot open directory", dir_name);
    }
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == allocated) {
            allocated = allocated ? 2 * allocated : 64;
            names = xrealloc(names, allocated * sizeof *names);
        }
        names[n++] = xasprintf("%s/%s", dir_name, de->d_name);
    }
    closedir(dir);

    qsort(names, n, sizeof *names, compare_names);
    for (i = 0; i < n; i++) {
        struct stat st;

        if (!stat(names[i], &st) && S_ISREG(st.st_mode)) {
            run_file(target, names[i]);
            n_run++;
        }
        free(names[i]);
    }
    free(names);
    return n_run;
}

int
main(int argc, char *argv[])
{
    const struct fuzz_target *target;
    size_t n_run = 0;
    int i;

    if (argc < 3) {
        fprintf(stderr, "usage: %s TARGET FILE|DIR...\n", argv[0]);
        return 2;
    }
    for (target = targets; target; target = target->next) {
        if (!strcmp(target->name, argv[1])) {
            break;
        }
    }
    if (!target) {
        fprintf(stderr, "%s: unknown fuzz target \"%s\"\n", argv[0],
                argv[1]);
        return 2;
    }

    for (i = 2; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st)) {
            nfvs_fatal(errno, "%s", argv[i]);
        }
        if (S_ISDIR(st.st_mode)) {
            n_run += run_dir(target, argv[i]);
        } else {
            run_file(target, argv[i]);
            n_run++;
        }
    }
    printf("%s: %zu inputs\n", target->name, n_run);
    return 0;
}
