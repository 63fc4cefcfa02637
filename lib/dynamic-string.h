/* lib/dynamic-string.h: a growable, always null-terminated string.
 *
 * 'struct ds' owns its buffer; ds_destroy() frees it and ds_steal_cstr()
 * hands it to the caller.  Not thread-safe. */
#ifndef NFVS_DYNAMIC_STRING_H
#define NFVS_DYNAMIC_STRING_H 1

#include <stdarg.h>
#include <stddef.h>
#include "util.h"

struct ds {
    char *string;               /* Null-terminated, or NULL when empty. */
    size_t length;              /* Bytes used, excluding the null. */
    size_t allocated;           /* Bytes allocated, excluding the null. */
};

#define DS_EMPTY_INITIALIZER { NULL, 0, 0 }

void ds_init(struct ds *);
void ds_destroy(struct ds *);
void ds_clear(struct ds *);
void ds_truncate(struct ds *, size_t new_length);
void ds_reserve(struct ds *, size_t min_length);
void ds_put_char(struct ds *, char);
void ds_put_buffer(struct ds *, const char *, size_t);
void ds_put_cstr(struct ds *, const char *);
void ds_put_format(struct ds *, const char *, ...) NFVS_PRINTF_FORMAT(2, 3);
void ds_put_format_valist(struct ds *, const char *, va_list)
    NFVS_PRINTF_FORMAT(2, 0);
void ds_put_hex(struct ds *, const void *, size_t);
void ds_chomp(struct ds *, int c);     /* Drops one trailing 'c'. */
const char *ds_cstr(struct ds *);      /* Never NULL. */
char *ds_steal_cstr(struct ds *);      /* Caller frees; 'ds' is emptied. */

#endif /* dynamic-string.h */
