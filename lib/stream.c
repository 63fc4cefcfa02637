#include <config.h>
#include "stream.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "stream-provider.h"
#include "util.h"

/* Adding a transport means adding its class here. */
static const struct stream_class *const stream_classes[] = {
    &unix_stream_class,
    &ssl_stream_class,
};

static const struct pstream_class *const pstream_classes[] = {
    &punix_pstream_class,
    &pssl_pstream_class,
};

/* If 'name' starts with "TYPE:" where TYPE is 'type', stores the rest in
 * '*suffixp' and returns true. */
static bool
name_has_type__(const char *name, const char *type, const char **suffixp)
{
    size_t len = strlen(type);

    if (!strncmp(name, type, len) && name[len] == ':') {
        *suffixp = name + len + 1;
        return true;
    }
    return false;
}

/* Finds the active class for 'name'.  A name without a known prefix is a
 * path for "unix" unless it looks like "WORD:..." with WORD made of
 * letters only, which is a mistyped or unsupported type. */
static int
stream_lookup_class__(const char *name, const struct stream_class **classp,
                      const char **suffixp)
{
    size_t i, n_alpha;

    for (i = 0; i < ARRAY_SIZE(stream_classes); i++) {
        if (name_has_type__(name, stream_classes[i]->name, suffixp)) {
            *classp = stream_classes[i];
            return **suffixp ? 0 : EINVAL;
        }
    }

    n_alpha = strspn(name, "abcdefghijklmnopqrstuvwxyz");
    if (n_alpha && name[n_alpha] == ':') {
        return EAFNOSUPPORT;
    }
    *classp = &unix_stream_class;
    *suffixp = name;
    return *name ? 0 : EINVAL;
}

static int
pstream_lookup_class__(const char *name,
                       const struct pstream_class **classp,
                       const char **suffixp)
{
    size_t i;

    for (i = 0; i < ARRAY_SIZE(pstream_classes); i++) {
        if (name_has_type__(name, pstream_classes[i]->name, suffixp)) {
            *classp = pstream_classes[i];
            return **suffixp ? 0 : EINVAL;
        }
    }
    return EAFNOSUPPORT;
}

int
stream_verify_name(const char *name)
{
    const struct stream_class *class;
    const char *suffix;

    return stream_lookup_class__(name, &class, &suffix);
}

int
pstream_verify_name(const char *name)
{
    const struct pstream_class *class;
    const char *suffix;

    return pstream_lookup_class__(name, &class, &suffix);
}

int
stream_open(const char *name, int timeout_ms, struct stream **streamp,
            char **errp)
{
    const struct stream_class *class;
    const char *suffix;
    char *msg = NULL;
    int error;

    *streamp = NULL;
    if (errp) {
        *errp = NULL;
    }
    error = stream_lookup_class__(name, &class, &suffix);
    if (error) {
        return error;
    }

    error = class->open(suffix, timeout_ms, streamp, &msg);
    if (error) {
        *streamp = NULL;
        if (errp) {
            *errp = msg;
        } else {
            free(msg);
        }
        return error;
    }
    free(msg);
    (*streamp)->class = class;
    (*streamp)->name = xstrdup(name);
    return 0;
}

void
stream_close(struct stream *stream)
{
    if (stream) {
        char *name = stream->name;

        stream->class->close(stream);
        free(name);
    }
}

const char *
stream_get_name(const struct stream *stream)
{
    return stream->name;
}

int
stream_recv(struct stream *stream, void *buffer, size_t size,
            size_t *n_recvp)
{
    return stream->class->recv(stream, buffer, size, n_recvp);
}

int
stream_send(struct stream *stream, const void *buffer, size_t size,
            size_t *n_sentp)
{
    return stream->class->send(stream, buffer, size, n_sentp);
}

int
stream_get_fd(const struct stream *stream)
{
    return stream->fd;
}

short
stream_poll_events(const struct stream *stream, short want)
{
    return (stream->class->poll_events
            ? stream->class->poll_events(stream, want)
            : want);
}

int
pstream_open(const char *name, struct pstream **pstreamp, char **errp)
{
    const struct pstream_class *class;
    const char *suffix;
    int error;

    *pstreamp = NULL;
    *errp = NULL;
    error = pstream_lookup_class__(name, &class, &suffix);
    if (error) {
        *errp = (error == EINVAL
                 ? xasprintf("%s: missing path or address", name)
                 : xasprintf("%s: unknown or unsupported remote type "
                             "(expected punix:PATH or pssl:PORT[:IP])",
                             name));
        return error;
    }

    error = class->listen(suffix, pstreamp, errp);
    if (error) {
        *pstreamp = NULL;
        return error;
    }
    (*pstreamp)->class = class;
    if (!(*pstreamp)->name) {
        (*pstreamp)->name = xstrdup(name);
    }
    return 0;
}

void
pstream_close(struct pstream *pstream)
{
    if (pstream) {
        char *name = pstream->name;

        pstream->class->close(pstream);
        free(name);
    }
}

const char *
pstream_get_name(const struct pstream *pstream)
{
    return pstream->name;
}

int
pstream_get_fd(const struct pstream *pstream)
{
    return pstream->fd;
}

int
pstream_accept(struct pstream *pstream, struct event_base *base, int fd,
               pstream_accept_func *cb, void *aux)
{
    return pstream->class->accept(pstream, base, fd, cb, aux);
}

size_t
pstream_n_pending(const struct pstream *pstream)
{
    return (pstream->class->n_pending
            ? pstream->class->n_pending(pstream)
            : 0);
}

void
pstream_reject(struct pstream *pstream, int fd, const char *msg,
               size_t size)
{
    if (pstream->class->reject) {
        pstream->class->reject(pstream, fd, msg, size);
    } else {
        close(fd);
    }
}
