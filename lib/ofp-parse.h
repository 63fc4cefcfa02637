/* lib/ofp-parse.h: lexical helpers shared by the OVS-syntax parsers.
 *
 * Flow lines and action lists are sequences of "key", "key=value",
 * "key:value" or "key(value)" tokens separated by commas or white space,
 * as in ovs-ofctl(8).  A value runs to the next comma or white space that
 * is not inside parentheses, so "ct(commit,exec(...))" is one token.
 *
 * Every function that can fail returns a malloc'd error message (caller
 * frees) or NULL on success.  No global state: thread-safe. */
#ifndef NFVS_OFP_PARSE_H
#define NFVS_OFP_PARSE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ofp_token {
    char *key;                  /* Text before the delimiter. */
    char *value;                /* Text after it; "" when there is none. */
    char *text;                 /* The whole token as written. */
};

/* Reads the next token from '*sp' into 'tok' and advances '*sp' past it.
 * Returns true if a token was read; the caller must then call
 * ofp_token_uninit().  Returns false at the end of the string (with
 * '*errorp' NULL) or on a syntax error such as unbalanced parentheses
 * (with '*errorp' set to an error message the caller must free). */
bool ofp_next_token(const char **sp, struct ofp_token *tok, char **errorp);
void ofp_token_uninit(struct ofp_token *);

/* True if 'tok' is a word alone, with no ':', '=' or '(' after its key:
 * "drop" is bare, "drop:" and "drop()" are not. */
bool ofp_token_is_bare(const struct ofp_token *);

/* Integer parsers for 'str' (decimal, or hexadecimal with "0x"), named
 * 'name' in error messages. */
char *ofp_parse_u8(const char *str, const char *name, uint8_t *valuep);
char *ofp_parse_u16(const char *str, const char *name, uint16_t *valuep);
char *ofp_parse_u32(const char *str, const char *name, uint32_t *valuep);
char *ofp_parse_u64(const char *str, const char *name, uint64_t *valuep);

/* A bridge's ports by name, for flows that name ports ("in_port=p1",
 * "output:p2", as "ovs-ofctl --names" allows) and for printing them so.
 * A snapshot: the caller fills it from the bridge when it parses or
 * prints, and flows keep the numbers. */
struct ofp_port_map {
    struct ofp_port_name *ports; /* 'n' of them, in the order added. */
    size_t n, allocated;
};

struct ofp_port_name {
    char *name;                 /* Owned. */
    uint32_t port;              /* OpenFlow port number. */
};

void ofp_port_map_init(struct ofp_port_map *);
void ofp_port_map_uninit(struct ofp_port_map *);
/* Adds port 'port' named 'name' (copied). */
void ofp_port_map_add(struct ofp_port_map *, const char *name,
                      uint32_t port);
/* Looks 'name' up (case-sensitive); returns true and stores its number
 * in '*portp' if the map has it.  NULL 'map' has no port. */
bool ofp_port_map_find(const struct ofp_port_map *, const char *name,
                       uint32_t *portp);
/* Returns the name of port 'port', or NULL.  NULL 'map' has no port. */
const char *ofp_port_map_name(const struct ofp_port_map *, uint32_t port);

#endif /* ofp-parse.h */
