/* Text forms of connection tracker entries and tuples, in the format of
 * ovs-dpctl dump-conntrack and flush-conntrack. */
#include <config.h>
#include "conntrack.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "dynamic-string.h"
#include "packets.h"
#include "util.h"

static const struct {
    uint8_t proto;
    const char *name;
} proto_names[] = {
    { IPPROTO_ICMP, "icmp" },
    { IPPROTO_ICMPV6, "icmpv6" },
    { IPPROTO_TCP, "tcp" },
    { IPPROTO_UDP, "udp" },
    { IPPROTO_SCTP, "sctp" },
    { IPPROTO_UDPLITE, "udplite" },
    { IPPROTO_DCCP, "dccp" },
    { IPPROTO_IGMP, "igmp" },
};

static void
format_addr(struct ds *s, bool is_ipv6, const struct in6_addr *addr)
{
    char buf[INET6_ADDRSTRLEN];

    if (is_ipv6) {
        inet_ntop(AF_INET6, addr, buf, sizeof buf);
    } else {
        inet_ntop(AF_INET, &addr->s6_addr[12], buf, sizeof buf);
    }
    ds_put_cstr(s, buf);
}

static void
format_tuple(struct ds *s, const struct conntrack_tuple *t)
{
    ds_put_cstr(s, "src=");
    format_addr(s, t->is_ipv6, &t->src);
    ds_put_cstr(s, ",dst=");
    format_addr(s, t->is_ipv6, &t->dst);
    if (t->proto == IPPROTO_ICMP || t->proto == IPPROTO_ICMPV6) {
        ds_put_format(s, ",id=%u,type=%u,code=0", ntohs(t->src_port),
                      t->icmp_type);
    } else {
        ds_put_format(s, ",sport=%u,dport=%u", ntohs(t->src_port),
                      ntohs(t->dst_port));
    }
}

void
conntrack_entry_format(const struct conntrack_entry *e, struct ds *s)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(proto_names); i++) {
        if (proto_names[i].proto == e->orig.proto) {
            ds_put_cstr(s, proto_names[i].name);
            break;
        }
    }
    if (i == ARRAY_SIZE(proto_names)) {
        ds_put_format(s, "%u", e->orig.proto);
    }
    ds_put_cstr(s, ",orig=(");
    format_tuple(s, &e->orig);
    ds_put_cstr(s, "),reply=(");
    format_tuple(s, &e->reply);
    ds_put_char(s, ')');
    if (e->zone) {
        ds_put_format(s, ",zone=%u", e->zone);
    }
    if (e->mark) {
        ds_put_format(s, ",mark=%"PRIu32, e->mark);
    }
    if (e->orig.proto == IPPROTO_TCP) {
        ds_put_format(s, ",protoinfo=(state=%s)",
                      ct_tcp_state_to_string(e->tcp_state));
    }
}

static bool
parse_u16(const char *s, uint16_t *valuep)
{
    unsigned int value;

    if (!str_to_uint(s, 10, &value) || value > UINT16_MAX) {
        return false;
    }
    *valuep = value;
    return true;
}

char *
conntrack_tuple_parse(const char *s_, struct conntrack_tuple *tuple)
{
    char *s = xstrdup(s_);
    char *save = NULL, *token;
    char *error = NULL;
    bool have_src = false, have_dst = false, have_type = false;
    int family = 0;
    size_t i;

    memset(tuple, 0, sizeof *tuple);
    token = strtok_r(s, ",", &save);
    if (!token) {
        error = xstrdup("empty tuple");
        goto out;
    }
    for (i = 0; i < ARRAY_SIZE(proto_names); i++) {
        if (!strcmp(token, proto_names[i].name)) {
            tuple->proto = proto_names[i].proto;
            break;
        }
    }
    if (i == ARRAY_SIZE(proto_names)) {
        error = xasprintf("%s: unknown protocol", token);
        goto out;
    }

    while ((token = strtok_r(NULL, ",", &save))) {
        char *value = strchr(token, '=');
        uint16_t u16;

        if (!value) {
            error = xasprintf("%s: missing value", token);
            goto out;
        }
        *value++ = '\0';
        if (!strcmp(token, "src") || !strcmp(token, "dst")) {
            bool is_src = token[0] == 's';
            struct in6_addr *addr = is_src ? &tuple->src : &tuple->dst;
            int this_family;

            if (inet_pton(AF_INET, value, &addr->s6_addr[12]) == 1) {
                this_family = AF_INET;
            } else if (inet_pton(AF_INET6, value, addr) == 1) {
                this_family = AF_INET6;
            } else {
                error = xasprintf("%s: bad address", value);
                goto out;
            }
            if (family && family != this_family) {
                error = xstrdup("src and dst of different families");
                goto out;
            }
            family = this_family;
            *(is_src ? &have_src : &have_dst) = true;
        } else if (!parse_u16(value, &u16)) {
            error = xasprintf("%s=%s: bad number", token, value);
            goto out;
        } else if (!strcmp(token, "sport") || !strcmp(token, "id")) {
            tuple->src_port = htons(u16);
        } else if (!strcmp(token, "dport")) {
            tuple->dst_port = htons(u16);
        } else if (!strcmp(token, "type") && u16 <= UINT8_MAX) {
            tuple->icmp_type = u16;
            have_type = true;
        } else if (strcmp(token, "code")) {
            error = xasprintf("%s: unknown field", token);
            goto out;
        }
    }
    if (!have_src || !have_dst) {
        error = xstrdup("tuple needs src and dst");
        goto out;
    }
    tuple->is_ipv6 = family == AF_INET6;
    if (tuple->is_ipv6 && tuple->proto == IPPROTO_ICMP) {
        tuple->proto = IPPROTO_ICMPV6;
    }
    if (!have_type && (tuple->proto == IPPROTO_ICMP
                              || tuple->proto == IPPROTO_ICMPV6)) {
        tuple->icmp_type = tuple->is_ipv6 ? ICMP6_ECHO_REQUEST
                                          : ICMP4_ECHO_REQUEST;
    }

out:
    free(s);
    return error;
}
