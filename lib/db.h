/* lib/db.h: the config db, a JSON document on disk replaced atomically.
 *
 * db_save() writes a temporary file in the same directory, fsyncs it,
 * renames it over the db and fsyncs the directory, so a crash at any
 * moment leaves either the complete old or the complete new document.
 * Stale temporary files from a crash are ignored and removed by the next
 * successful save.
 *
 * The document's schema belongs to the daemon (vswitchd/); this module
 * only stores it.  Not thread-safe: the main thread owns the db. */
#ifndef NFVS_DB_H
#define NFVS_DB_H 1

#include <jansson.h>

/* Loads the db at 'path' into '*docp' (new reference; caller decrefs).
 * A db that does not exist yet loads as NULL with return value ENOENT.
 * A file that is not a JSON object returns EINVAL and, when 'errp' is
 * nonnull, a malloc'd message with the file name and position in
 * '*errp' (caller frees). */
int db_load(const char *path, json_t **docp, char **errp);

/* Atomically replaces the db at 'path' with 'doc'.  Returns 0 or a
 * positive errno value; on failure the old db is intact. */
int db_save(const char *path, const json_t *doc);

#endif /* db.h */
