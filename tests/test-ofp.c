#include <config.h>
#include "ofp-flow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "flow.h"
#include "meta-flow.h"
#include "nfvstest.h"
#include "ofp-actions.h"
#include "util.h"

static bool
parse_command(const char *s, enum flow_mod_command *commandp)
{
    static const struct {
        const char *name;
        enum flow_mod_command command;
    } commands[] = {
        { "add", FLOW_MOD_ADD },
        { "modify", FLOW_MOD_MODIFY },
        { "modify-strict", FLOW_MOD_MODIFY_STRICT },
        { "delete", FLOW_MOD_DELETE },
        { "delete-strict", FLOW_MOD_DELETE_STRICT },
    };
    size_t i;

    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        if (!strcmp(s, commands[i].name)) {
            *commandp = commands[i].command;
            return true;
        }
    }
    return false;
}

static bool
specs_equal(const struct flow_mod_spec *a, const struct flow_mod_spec *b)
{
    return (a->table_id == b->table_id
            && a->priority == b->priority
            && a->cookie == b->cookie
            && a->cookie_mask == b->cookie_mask
            && a->modify_cookie == b->modify_cookie
            && a->new_cookie == b->new_cookie
            && a->idle_timeout == b->idle_timeout
            && a->hard_timeout == b->hard_timeout
            && a->out_port == b->out_port
            && a->has_actions == b->has_actions
            && match_equal(&a->match, &b->match)
            && ofpacts_equal(a->ofpacts, a->ofpacts_size,
                             b->ofpacts, b->ofpacts_size));
}

/* Parses 'line', prints it normalized (or the error), and checks that the
 * normalized form parses back to the same thing and prints the same.
 * Returns false on a round-trip failure. */
static bool
parse_and_print(const char *line, enum flow_mod_command command)
{
    struct flow_mod_spec spec, spec2;
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ds s2 = DS_EMPTY_INITIALIZER;
    bool ok = true;
    char *error;

    error = flow_mod_spec_parse(&spec, line, command);
    if (error) {
        printf("error: %s\n", error);
        free(error);
        return true;
    }
    flow_mod_spec_format(&spec, &s);
    puts(ds_cstr(&s));

    error = flow_mod_spec_parse(&spec2, ds_cstr(&s), command);
    if (error) {
        printf("round trip: reparse failed: %s\n", error);
        free(error);
        ok = false;
    } else {
        flow_mod_spec_format(&spec2, &s2);
        if (!specs_equal(&spec, &spec2) || strcmp(ds_cstr(&s),
                                                  ds_cstr(&s2))) {
            printf("round trip: mismatch: %s\n", ds_cstr(&s2));
            ok = false;
        }
        flow_mod_spec_uninit(&spec2);
    }
    flow_mod_spec_uninit(&spec);
    ds_destroy(&s);
    ds_destroy(&s2);
    return ok;
}

static bool
is_blank_or_comment(const char *line)
{
    line += strspn(line, " \t\r\n");
    return !*line || *line == '#';
}

static int
do_parse_file(const char *file_name, enum flow_mod_command command)
{
    FILE *file = strcmp(file_name, "-") ? fopen(file_name, "r") : stdin;
    char *line = NULL;
    size_t allocated = 0;
    bool ok = true;

    if (!file) {
        nfvs_fatal(0, "%s: cannot open", file_name);
    }
    while (getline(&line, &allocated, file) != -1) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!is_blank_or_comment(line)) {
            ok &= parse_and_print(line, command);
        }
    }
    free(line);
    if (file != stdin) {
        fclose(file);
    }
    return ok ? 0 : 1;
}

static int
do_parse_actions(int argc, char *argv[])
{
    int status = 0;
    int i;

    for (i = 0; i < argc; i++) {
        struct ds s = DS_EMPTY_INITIALIZER;
        void *ofpacts, *ofpacts2;
        size_t size, size2;
        char *error;

        error = ofpacts_parse(argv[i], &ofpacts, &size);
        if (error) {
            printf("error: %s\n", error);
            free(error);
            continue;
        }
        ofpacts_format(ofpacts, size, &s);
        puts(ds_cstr(&s));
        error = ofpacts_parse(ds_cstr(&s), &ofpacts2, &size2);
        if (error || !ofpacts_equal(ofpacts, size, ofpacts2, size2)) {
            printf("round trip: mismatch for %s\n", ds_cstr(&s));
            status = 1;
        }
        free(error);
        free(ofpacts);
        free(ofpacts2);
        ds_destroy(&s);
    }
    return status;
}

/* Prints 'argv[0]' as dump-flows would with fixed statistics, and in the
 * --no-stats form. */
static int
do_dump(int argc, char *argv[])
{
    static const struct ofp_flow_stats stats[] = {
        { 1234, 7, 420, -1 },
        { 5000, 0, 0, 3 },
        { 10, 1, 64, -1 },
    };
    int i;

    for (i = 0; i < argc; i++) {
        struct flow_mod_spec spec;
        struct ofp_flow_desc fd;
        char *error;
        size_t j;

        error = flow_mod_spec_parse(&spec, argv[i], FLOW_MOD_ADD);
        if (error) {
            printf("error: %s\n", error);
            free(error);
            continue;
        }
        fd = (struct ofp_flow_desc) {
            .table_id = spec.table_id,
            .cookie = spec.cookie,
            .priority = spec.priority,
            .idle_timeout = spec.idle_timeout,
            .hard_timeout = spec.hard_timeout,
            .match = &spec.match,
            .ofpacts = spec.ofpacts,
            .ofpacts_size = spec.ofpacts_size,
        };
        for (j = 0; j <= ARRAY_SIZE(stats); j++) {
            struct ds s = DS_EMPTY_INITIALIZER;

            ofp_flow_format(&fd, j < ARRAY_SIZE(stats) ? &stats[j] : NULL,
                            &s);
            printf(" %s\n", ds_cstr(&s));
            ds_destroy(&s);
        }
        flow_mod_spec_uninit(&spec);
    }
    return 0;
}

static int
do_check_supported(int argc, char *argv[])
{
    int i;

    for (i = 0; i < argc; i++) {
        struct flow_mod_spec spec;
        char *error;

        error = flow_mod_spec_parse(&spec, argv[i], FLOW_MOD_ADD);
        if (!error) {
            error = ofpacts_check_supported(spec.ofpacts,
                                            spec.ofpacts_size);
            flow_mod_spec_uninit(&spec);
        }
        printf("%s\n", error ? error : "supported");
        free(error);
    }
    return 0;
}

/* Checks the field table: every field's names resolve to it, values are
 * written to and read back from a flow, and matches on a field match the
 * flow carrying that value. */
static int
do_fields(void)
{
    int id;

    for (id = 0; id < MFF_N_IDS; id++) {
        const struct mf_field *mf = mf_from_id(id);
        union mf_value value, mask, back;
        struct flow flow;
        struct match match;
        unsigned int i;

        CHECK(mf->id == (enum mf_field_id) id);
        CHECK(mf_from_name(mf->name, NULL) == mf);
        CHECK(mf_from_name(mf->nxm_name, NULL) == mf);
        CHECK(mf->n_bits <= 8 * mf->n_bytes);

        /* Largest valid value: all bits of the field. */
        memset(&value, 0, sizeof value);
        mf_bits_set(value.bytes, mf->n_bytes, 0, mf->n_bits);
        if (mf->id == MFF_CT_STATE) {
            value.be32 = htonl(0x3f);
        } else if (mf->id == MFF_IN_PORT) {
            value.be16 = htons(OFPP_LOCAL);
        } else if (mf->id == MFF_IP_DSCP) {
            value.u8 = 0xfc;
        } else if (mf->id == MFF_ARP_OP) {
            value.be16 = htons(0xff);   /* Only the low byte is kept. */
        }
        CHECK(mf_is_value_valid(mf, &value));
        memset(&mask, 0xff, sizeof mask);

        memset(&flow, 0, sizeof flow);
        mf_set_flow_value_masked(mf, &value, &mask, &flow);
        mf_get_value(mf, &flow, &back);
        for (i = 0; i < mf->n_bytes; i++) {
            CHECK(back.bytes[i] == value.bytes[i]);
        }

        match_init_catchall(&match);
        mf_set_match(mf, &value, &mask, &match);
        CHECK(match_matches_flow(&match, &flow));
        mf_get_mask(mf, &match, &back);
        CHECK(!mf_is_all_zeros(mf, &back));

        /* Wildcarding it again gives the catch-all match, apart from the
         * VLAN "tag present" bit that dl_vlan(_pcp) leave. */
        memset(&mask, 0, sizeof mask);
        mf_set_match(mf, &value, &mask, &match);
        if (mf->id != MFF_DL_VLAN && mf->id != MFF_DL_VLAN_PCP) {
            CHECK(flow_wildcards_is_catchall(&match.wc));
        }
    }
    printf("ok\n");
    return 0;
}

/* Parses 'line' as a flow addition and checks that it fails with exactly
 * 'expected' (or succeeds, if 'expected' is NULL). */
static void
check_parse(const char *line, const char *expected)
{
    struct flow_mod_spec spec;
    char *error = flow_mod_spec_parse(&spec, line, FLOW_MOD_ADD);

    if (!expected && !error) {
        flow_mod_spec_uninit(&spec);
        return;
    }
    if (!error || !expected || strcmp(error, expected)) {
        fprintf(stderr, "%s: expected %s, got %s\n", line,
                expected ? expected : "success", error ? error : "success");
        abort();
    }
    free(error);
}

/* The names a field may be typed as, besides its canonical and NXM
 * names (meta-flow.c keeps the same list privately). */
static const char *const aliases[] = {
    "dl_src", "dl_dst", "dl_type", "nw_src", "nw_dst", "ip_proto", "ip_ecn",
    "nw_frag", "tp_src", "tp_dst",
};

/* Checks, for every name of every field, that an empty value and a bare
 * name are refused, that "*" is accepted, and that a field given twice
 * is refused; then prints each pair of fields that share bits in
 * 'struct flow', which may not be given together. */
static void
check_field_name(const struct mf_field *mf, const char *name)
{
    char *line, *expected;

    line = xasprintf("%s=,actions=drop", name);
    expected = xasprintf("%s=: %s needs a value", name, name);
    check_parse(line, expected);
    free(line);
    free(expected);

    line = xasprintf("%s,actions=drop", name);
    expected = xasprintf("%s: %s needs a value", name, name);
    check_parse(line, expected);
    free(line);
    free(expected);

    line = xasprintf("%s(),actions=drop", name);
    expected = xasprintf("%s(): %s needs a value", name, name);
    check_parse(line, expected);
    free(line);
    free(expected);

    line = xasprintf("%s=*,actions=drop", name);
    check_parse(line, NULL);
    free(line);

    line = xasprintf("%s=*,%s=*,actions=drop", name, name);
    expected = xasprintf("%s=*: field given twice (first as %s=*)", name,
                         name);
    check_parse(line, expected);
    free(line);
    free(expected);

    if (mf->writable && mf->id != MFF_CT_MARK) {
        line = xasprintf("actions=set_field:->%s", name);
        expected = xasprintf("actions=set_field:->%s: missing value before "
                             "\"->\"", name);
        check_parse(line, expected);
        free(line);
        free(expected);

        line = xasprintf("actions=load:->%s[]", name);
        expected = xasprintf("actions=load:->%s[]: missing value before "
                             "\"->\"", name);
        check_parse(line, expected);
        free(line);
        free(expected);
    }
}

static int
do_strict(void)
{
    static const char *const shorthands[] = {
        "ip", "ipv6", "icmp", "icmp6", "tcp", "tcp6", "udp", "udp6", "sctp",
        "sctp6", "arp",
    };
    size_t n_names = 0;
    size_t i;
    int a, b;

    for (a = 0; a < MFF_N_IDS; a++) {
        const struct mf_field *mf = mf_from_id(a);
        union mf_value value, mask;
        char *error, *expected;

        error = mf_parse(mf, "", &value, &mask);
        expected = xasprintf("%s needs a value", mf->name);
        CHECK(error && !strcmp(error, expected));
        free(error);
        free(expected);

        check_field_name(mf, mf->name);
        n_names++;
        if (strcmp(mf->nxm_name, mf->name)) {
            check_field_name(mf, mf->nxm_name);
            n_names++;
        }
    }
    for (i = 0; i < ARRAY_SIZE(aliases); i++) {
        const struct mf_field *mf = mf_from_name(aliases[i], NULL);

        CHECK(mf);
        if (strcmp(mf->name, aliases[i])) {
            check_field_name(mf, aliases[i]);
            n_names++;
        }
    }
    for (i = 0; i < ARRAY_SIZE(shorthands); i++) {
        char *line, *expected;

        line = xasprintf("%s,%s,actions=drop", shorthands[i],
                         shorthands[i]);
        check_parse(line, NULL);
        free(line);

        line = xasprintf("%s=,actions=drop", shorthands[i]);
        expected = xasprintf("%s=: %s takes no value", shorthands[i],
                             shorthands[i]);
        check_parse(line, expected);
        free(line);
        free(expected);
    }
    printf("%zu field names, %zu shorthands\n", n_names,
           ARRAY_SIZE(shorthands));

    for (a = 0; a < MFF_N_IDS; a++) {
        for (b = a + 1; b < MFF_N_IDS; b++) {
            const struct mf_field *x = mf_from_id(a);
            const struct mf_field *y = mf_from_id(b);
            struct flow bx, by;
            char *line, *expected;
            bool overlap = false;
            size_t j;

            memset(&bx, 0, sizeof bx);
            memset(&by, 0, sizeof by);
            mf_get_bits(x, &bx);
            mf_get_bits(y, &by);
            for (j = 0; j < sizeof bx; j++) {
                overlap |= (((uint8_t *) &bx)[j] & ((uint8_t *) &by)[j]) != 0;
            }
            line = xasprintf("%s=*,%s=*,actions=drop", x->name, y->name);
            if (overlap) {
                printf("%s %s\n", x->name, y->name);
                expected = xasprintf("%s=*: overlaps %s=*", y->name,
                                     x->name);
                check_parse(line, expected);
                free(expected);
            } else {
                check_parse(line, NULL);
            }
            free(line);
        }
    }
    return 0;
}

static int
test_ofp_main(int argc, char *argv[])
{
    enum flow_mod_command command = FLOW_MOD_ADD;
    int status = 0;
    int i;

    if (argc >= 2 && !strncmp(argv[1], "--command=", 10)) {
        if (!parse_command(argv[1] + 10, &command)) {
            nfvs_fatal(0, "%s: unknown command", argv[1] + 10);
        }
        argv++;
        argc--;
    }
    if (argc < 2) {
        nfvs_fatal(0, "usage: test-ofp [--command=CMD] parse-flow FLOW...|"
                   "parse-flows FILE|parse-actions ACTIONS...|dump FLOW...|"
                   "check-supported FLOW...|fields|strict");
    }
    if (!strcmp(argv[1], "parse-flow")) {
        for (i = 2; i < argc; i++) {
            if (!parse_and_print(argv[i], command)) {
                status = 1;
            }
        }
        return status;
    } else if (!strcmp(argv[1], "parse-flows") && argc == 3) {
        return do_parse_file(argv[2], command);
    } else if (!strcmp(argv[1], "parse-actions")) {
        return do_parse_actions(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "dump")) {
        return do_dump(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "check-supported")) {
        return do_check_supported(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "fields")) {
        return do_fields();
    } else if (!strcmp(argv[1], "strict")) {
        return do_strict();
    }
    nfvs_fatal(0, "%s: unknown subcommand", argv[1]);
}

NFVSTEST_REGISTER("test-ofp", test_ofp_main);
