#include <config.h>
#include "nfvstest.h"

#include <string.h>
#include "util.h"

static struct nfvstest *tests;

void
nfvstest_register(struct nfvstest *test)
{
    test->next = tests;
    tests = test;
}

int
main(int argc, char *argv[])
{
    struct nfvstest *test;

    nfvs_set_program_name(argv[0]);
    if (argc < 2 || !strcmp(argv[1], "--help")) {
        printf("usage: %s TEST [ARG...]\navailable tests:\n", argv[0]);
        for (test = tests; test; test = test->next) {
            printf("  %s\n", test->name);
        }
        return argc < 2 ? 1 : 0;
    }
    for (test = tests; test; test = test->next) {
        if (!strcmp(test->name, argv[1])) {
            nfvs_set_program_name(test->name);
            return test->main(argc - 1, argv + 1);
        }
    }
    nfvs_fatal(0, "unknown test \"%s\" (use --help)", argv[1]);
}

long long int
nfvstest_proc_status_kb(const char *pid, const char *field)
{
    char *path = xasprintf("/proc/%s/status", pid);
    FILE *f = fopen(path, "r");
    size_t field_len = strlen(field);
    long long int kb = -1;
    char line[256];

    free(path);
    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, field, field_len) && line[field_len] == ':'
            && sscanf(line + field_len + 1, "%lld kB", &kb) == 1) {
            break;
        }
    }
    fclose(f);
    return kb;
}
