/* tests/test-meter.c: meter syntax and the token bucket (lib/ofp-meter.h).
 *
 *   nfvstest test-meter parse < LINES
 *       parses each line as add-meter takes it and prints the meter as
 *       dump-meters prints it, then as the add-meter line that recreates
 *       it (which must parse to the same meter), or "error: MESSAGE".
 *   nfvstest test-meter bucket METER < ARRIVALS
 *       runs a bucket for METER (add-meter syntax) from time 0 on the
 *       arrivals, one "NANOSECONDS BYTES" per line in time order, and
 *       prints "pass" or "drop" for each: the clock is the one given, so
 *       the answers are exact. */
#include <config.h>
#include "ofp-meter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "nfvstest.h"
#include "util.h"

static void
chomp(char *line)
{
    line[strcspn(line, "\n")] = '\0';
}

static int
do_parse(void)
{
    char line[1024];

    while (fgets(line, sizeof line, stdin)) {
        struct ds s = DS_EMPTY_INITIALIZER;
        struct ds l = DS_EMPTY_INITIALIZER;
        struct ofp_meter m, m2;
        char *error;

        chomp(line);
        error = ofp_meter_parse(line, &m);
        if (error) {
            printf("error: %s\n", error);
            free(error);
            continue;
        }
        ofp_meter_format(&m, &s);
        ofp_meter_format_line(&m, &l);
        printf("%s\n%s\n", ds_cstr(&s), ds_cstr(&l));
        error = ofp_meter_parse(ds_cstr(&l), &m2);
        CHECK(!error && ofp_meter_equal(&m, &m2));
        ds_destroy(&s);
        ds_destroy(&l);
    }
    return 0;
}

static int
do_bucket(const char *spec)
{
    struct meter_bucket b;
    struct ofp_meter m;
    long long int t;
    unsigned int bytes;
    char *error;

    error = ofp_meter_parse(spec, &m);
    if (error) {
        fprintf(stderr, "%s\n", error);
        free(error);
        return 1;
    }
    meter_bucket_init(&b, &m, 0);
    while (scanf("%lld %u", &t, &bytes) == 2) {
        printf("%s\n", meter_bucket_take(&b, bytes, t) ? "pass" : "drop");
    }
    return 0;
}

static int
test_meter_main(int argc, char *argv[])
{
    if (argc == 2 && !strcmp(argv[1], "parse")) {
        return do_parse();
    } else if (argc == 3 && !strcmp(argv[1], "bucket")) {
        return do_bucket(argv[2]);
    }
    fprintf(stderr, "usage: test-meter parse | bucket METER\n");
    return 1;
}

NFVSTEST_REGISTER("test-meter", test_meter_main);
