#include <config.h>
#include "ofp-parse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"

static bool
is_separator(char c)
{
    return c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Returns the length of the value that starts at 's' and ends at the
 * first top-level separator (or, if 'close' is true, at the ')' that
 * balances an already consumed '('), or -1 if parentheses do not
 * balance. */
static int
value_length(const char *s, bool close)
{
    int depth = 0;
    int i;

    for (i = 0; s[i]; i++) {
        if (s[i] == '(') {
            depth++;
        } else if (s[i] == ')') {
            if (!depth) {
                return close ? i : -1;
            }
            depth--;
        } else if (!close && !depth && is_separator(s[i])) {
            break;
        }
    }
    return close || depth ? -1 : i;
}

bool
ofp_next_token(const char **sp, struct ofp_token *tok, char **errorp)
{
    const char *s = *sp;
    const char *start;
    size_t key_len;
    int len;

    *errorp = NULL;
    while (*s && is_separator(*s)) {
        s++;
    }
    if (!*s) {
        *sp = s;
        return false;
    }

    start = s;
    key_len = strcspn(s, ":=(), \t\r\n");
    if (s[key_len] == ')') {
        *errorp = xasprintf("%s: unbalanced parentheses", start);
        return false;
    }
    tok->key = xmemdup0(s, key_len);
    s += key_len;
    if (*s == ':' || *s == '=') {
        s++;
        len = value_length(s, false);
        if (len < 0) {
            goto unbalanced;
        }
        tok->value = xmemdup0(s, len);
        s += len;
    } else if (*s == '(') {
        s++;
        len = value_length(s, true);
        if (len < 0) {
            goto unbalanced;
        }
        tok->value = xmemdup0(s, len);
        s += len + 1;
    } else {
        tok->value = xstrdup("");
    }
    tok->text = xmemdup0(start, s - start);
    *sp = s;
    return true;

unbalanced:
    *errorp = xasprintf("%s: unbalanced parentheses", start);
    free(tok->key);
    return false;
}

bool
ofp_token_is_bare(const struct ofp_token *tok)
{
    return tok->text[strlen(tok->key)] == '\0';
}

void
ofp_token_uninit(struct ofp_token *tok)
{
    free(tok->key);
    free(tok->value);
    free(tok->text);
}

static char *
parse_uint(const char *str, const char *name, uint64_t max,
           uint64_t *valuep)
{
    unsigned long long int value;
    char *tail;

    errno = 0;
    if (!*str) {
        return xasprintf("%s needs a value", name);
    } else if (*str == '-' || *str == '+' || *str == ' ') {
        return xasprintf("invalid %s \"%s\"", name, str);
    }
    value = strtoull(str, &tail, 0);
    if (*tail || (errno && errno != ERANGE)) {
        return xasprintf("invalid %s \"%s\"", name, str);
    }
    if (errno == ERANGE || value > max) {
        return xasprintf("%s %s is out of range (0 to %llu)", name, str,
                         (unsigned long long int) max);
    }
    *valuep = value;
    return NULL;
}

char *
ofp_parse_u8(const char *str, const char *name, uint8_t *valuep)
{
    uint64_t value;
    char *error = parse_uint(str, name, UINT8_MAX, &value);

    if (!error) {
        *valuep = value;
    }
    return error;
}

char *
ofp_parse_u16(const char *str, const char *name, uint16_t *valuep)
{
    uint64_t value;
    char *error = parse_uint(str, name, UINT16_MAX, &value);

    if (!error) {
        *valuep = value;
    }
    return error;
}

char *
ofp_parse_u32(const char *str, const char *name, uint32_t *valuep)
{
    uint64_t value;
    char *error = parse_uint(str, name, UINT32_MAX, &value);

    if (!error) {
        *valuep = value;
    }
    return error;
}

char *
ofp_parse_u64(const char *str, const char *name, uint64_t *valuep)
{
    return parse_uint(str, name, UINT64_MAX, valuep);
}

/* Port maps. */

void
ofp_port_map_init(struct ofp_port_map *map)
{
    map->ports = NULL;
    map->n = map->allocated = 0;
}

void
ofp_port_map_uninit(struct ofp_port_map *map)
{
    size_t i;

    for (i = 0; i < map->n; i++) {
        free(map->ports[i].name);
    }
    free(map->ports);
    ofp_port_map_init(map);
}

void
ofp_port_map_add(struct ofp_port_map *map, const char *name, uint32_t port)
{
    if (map->n >= map->allocated) {
        map->allocated = map->allocated ? 2 * map->allocated : 8;
        map->ports = xrealloc(map->ports,
                              map->allocated * sizeof *map->ports);
    }
    map->ports[map->n].name = xstrdup(name);
    map->ports[map->n].port = port;
    map->n++;
}

bool
ofp_port_map_find(const struct ofp_port_map *map, const char *name,
                  uint32_t *portp)
{
    size_t i;

    for (i = 0; map && i < map->n; i++) {
        if (!strcmp(map->ports[i].name, name)) {
            *portp = map->ports[i].port;
            return true;
        }
    }
    return false;
}

const char *
ofp_port_map_name(const struct ofp_port_map *map, uint32_t port)
{
    size_t i;

    for (i = 0; map && i < map->n; i++) {
        if (map->ports[i].port == port) {
            return map->ports[i].name;
        }
    }
    return NULL;
}
