/* tests/fuzz-flow-parse.c: fuzz target for the flow line parser
 * (lib/ofp-flow.c, lib/ofp-actions.c, lib/meta-flow.c, lib/ofp-parse.c;
 * see fuzz.h).
 *
 * Each input is one flow line as "nfvs-ctl add-flow" or a flow file
 * takes it (up to the first NUL byte), parsed as an add, a modify, a
 * strict modify, a delete and a strict delete.  Besides the sanitizers'
 * checks, it aborts unless every line that parses prints in a form that
 * parses back to the same flow mod and prints the same again. */
#include <config.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "fuzz.h"
#include "ofp-actions.h"
#include "ofp-flow.h"
#include "util.h"

static bool
specs_equal(const struct flow_mod_spec *a, const struct flow_mod_spec *b)
{
    return (a->command == b->command
            && a->table_id == b->table_id
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

/* Parses 'line' for 'command' and, if it parses, checks the round trip
 * through its printed form. */
static void
check_line(const char *line, enum flow_mod_command command)
{
    struct ds s = DS_EMPTY_INITIALIZER;
    struct ds s2 = DS_EMPTY_INITIALIZER;
    struct flow_mod_spec spec, spec2;
    char *error;

    error = flow_mod_spec_parse(&spec, line, command);
    if (error) {
        free(error);
        return;
    }
    flow_mod_spec_format(&spec, &s);

    error = flow_mod_spec_parse(&spec2, ds_cstr(&s), command);
    if (error) {
        fprintf(stderr, "\"%s\" printed as \"%s\", which does not parse: "
                "%s\n", line, ds_cstr(&s), error);
        abort();
    }
    flow_mod_spec_format(&spec2, &s2);
    if (!specs_equal(&spec, &spec2) || strcmp(ds_cstr(&s), ds_cstr(&s2))) {
        fprintf(stderr, "\"%s\" printed as \"%s\", which parses to a "
                "different flow mod printed as \"%s\"\n",
                line, ds_cstr(&s), ds_cstr(&s2));
        abort();
    }

    /* The actions on their own, as "ofpacts_parse" takes them. */
    if (spec.has_actions) {
        struct ds a = DS_EMPTY_INITIALIZER;
        size_t size;
        void *ofpacts;

        ofpacts_format(spec.ofpacts, spec.ofpacts_size, &a);
        error = ofpacts_parse(ds_cstr(&a), &ofpacts, &size);
        if (error) {
            fprintf(stderr, "actions of \"%s\" printed as \"%s\", which "
                    "do not parse: %s\n", line, ds_cstr(&a), error);
            abort();
        }
        if (!ofpacts_equal(spec.ofpacts, spec.ofpacts_size, ofpacts,
                           size)) {
            fprintf(stderr, "actions of \"%s\" printed as \"%s\", which "
                    "parse to different actions\n", line, ds_cstr(&a));
            abort();
        }
        free(ofpacts);
        ds_destroy(&a);
    }

    flow_mod_spec_uninit(&spec2);
    flow_mod_spec_uninit(&spec);
    ds_destroy(&s2);
    ds_destroy(&s);
}

static int
fuzz_flow_parse_one(const uint8_t *data, size_t size)
{
    static const enum flow_mod_command commands[] = {
        FLOW_MOD_ADD, FLOW_MOD_MODIFY, FLOW_MOD_MODIFY_STRICT,
        FLOW_MOD_DELETE, FLOW_MOD_DELETE_STRICT,
    };
    char *line = xmemdup0((const char *) data, size);
    size_t i;

    for (i = 0; i < ARRAY_SIZE(commands); i++) {
        check_line(line, commands[i]);
    }
    free(line);
    return 0;
}

FUZZ_TARGET("flow-parse", fuzz_flow_parse_one);
