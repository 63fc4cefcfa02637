#include <config.h>
#include "dynamic-string.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
ds_init(struct ds *ds)
{
    ds->string = NULL;
    ds->length = 0;
    ds->allocated = 0;
}

void
ds_destroy(struct ds *ds)
{
    free(ds->string);
    ds_init(ds);
}

void
ds_clear(struct ds *ds)
{
    ds_truncate(ds, 0);
}

void
ds_truncate(struct ds *ds, size_t new_length)
{
    if (new_length < ds->length) {
        ds->length = new_length;
        ds->string[new_length] = '\0';
    }
}

void
ds_reserve(struct ds *ds, size_t min_length)
{
    if (min_length > ds->allocated || !ds->string) {
        size_t n = NFVS_MAX(min_length, ds->allocated * 2);

        n = NFVS_MAX(n, 32);
        ds->string = xrealloc(ds->string, n + 1);
        ds->allocated = n;
        ds->string[ds->length] = '\0';
    }
}

void
ds_put_buffer(struct ds *ds, const char *s, size_t n)
{
    ds_reserve(ds, ds->length + n);
    memcpy(&ds->string[ds->length], s, n);
    ds->length += n;
    ds->string[ds->length] = '\0';
}

void
ds_put_char(struct ds *ds, char c)
{
    ds_put_buffer(ds, &c, 1);
}

void
ds_put_cstr(struct ds *ds, const char *s)
{
    ds_put_buffer(ds, s, strlen(s));
}

void
ds_put_format_valist(struct ds *ds, const char *format, va_list args)
{
    va_list args2;
    size_t avail;
    int n;

    ds_reserve(ds, ds->length + 1);
    avail = ds->allocated - ds->length + 1;
    va_copy(args2, args);
    n = vsnprintf(&ds->string[ds->length], avail, format, args2);
    va_end(args2);
    if (n >= 0 && (size_t) n >= avail) {
        ds_reserve(ds, ds->length + n);
        vsnprintf(&ds->string[ds->length], n + 1, format, args);
    }
    if (n > 0) {
        ds->length += n;
    }
}

void
ds_put_format(struct ds *ds, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    ds_put_format_valist(ds, format, args);
    va_end(args);
}

void
ds_put_hex(struct ds *ds, const void *buf_, size_t size)
{
    const unsigned char *buf = buf_;
    size_t i;

    for (i = 0; i < size; i++) {
        ds_put_format(ds, "%02x", buf[i]);
    }
}

void
ds_chomp(struct ds *ds, int c)
{
    if (ds->length > 0 && ds->string[ds->length - 1] == (char) c) {
        ds->string[--ds->length] = '\0';
    }
}

const char *
ds_cstr(struct ds *ds)
{
    if (!ds->string) {
        ds_reserve(ds, 0);
    }
    return ds->string;
}

char *
ds_steal_cstr(struct ds *ds)
{
    char *s = (char *) ds_cstr(ds);

    ds_init(ds);
    return s;
}
