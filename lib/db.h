/* lib/db.h: the config db, a JSON document kept as a snapshot plus an
 * append-only log of edits.
 *
 * Files.  The db named PATH (e.g. /var/lib/nfvs/conf.json) is the file
 * PATH, a snapshot of the whole document, and PATH.log, which holds the
 * edits made since that snapshot, one record per line.  A record is a
 * JSON array of edits applied in order:
 *     ["set", [KEY, ...], VALUE]    sets the member at that path of
 *                                   objects (missing or non-object
 *                                   parents become objects; the empty
 *                                   path replaces the whole document);
 *     ["del", [KEY, ...]]           removes it (no error if missing).
 * Edits are idempotent in sequence: replaying a log onto a snapshot that
 * already contains a prefix of it gives the same document, which is what
 * lets compaction write the snapshot before it shortens the log.
 *
 * Loading reads the snapshot and replays the log.  A last line that is
 * not complete (no newline: the daemon died in the middle of appending
 * it) is ignored, and cut off when the db is opened for writing; any
 * other broken line is an error naming PATH.log:LINE.
 *
 * Durability.  db_append() writes the record into the log at once (so a
 * full disk fails it synchronously and the caller can undo its change)
 * and a commit thread makes everything written so far durable with one
 * fdatasync() per group; records appended while one sync runs share the
 * next.  The main thread learns of completed syncs through db_get_fd()
 * and db_run().  When the log has grown larger than the snapshot (and
 * at least DB_COMPACT_MIN bytes), the commit thread compacts: it builds
 * the new snapshot from the files (snapshot + log as far as synced),
 * writes it atomically (temporary file, fsync, rename, fsync of the
 * directory), then replaces the log by what was appended since, the same
 * way.  Crashing at any moment leaves a db that loads as exactly the
 * records that were synced, possibly plus some later ones.
 *
 * The document's schema belongs to the daemon (vswitchd/); this module
 * only stores it.  Thread-safety: a 'struct db' is used from one thread
 * (the main thread); its commit thread is internal. */
#ifndef NFVS_DB_H
#define NFVS_DB_H 1

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* The log is compacted once it is larger than both this and the last
 * snapshot. */
#define DB_COMPACT_MIN (4u * 1024 * 1024)

/* Loads the db at 'path' (snapshot plus log) into '*docp' (new
 * reference; caller decrefs).  A db whose snapshot does not exist loads
 * as NULL with return value ENOENT.  A snapshot that is not a JSON
 * object, or a log with a broken record, returns EINVAL and, when 'errp'
 * is nonnull, a malloc'd message with the file name and position in
 * '*errp' (caller frees). */
int db_load(const char *path, json_t **docp, char **errp);

/* Atomically replaces the snapshot at 'path' with 'doc'.  Does not touch
 * the log (see db_replace() for that).  Returns 0 or a positive errno
 * value; on failure the old snapshot is intact. */
int db_save(const char *path, const json_t *doc);

/* Opens the db at 'path' for changes: loads it as db_load() does into
 * '*docp' (NULL if there is no snapshot yet), cuts a torn last record off
 * the log and starts the commit thread.  Returns 0 and the db in '*dbp',
 * or a positive errno value (and a message as db_load() does).  A db
 * without snapshot must get one with db_replace() before db_append(). */
int db_open(const char *path, struct db **dbp, json_t **docp,
            char **errp);

/* Waits until every appended record is synced (or failed), stops the
 * commit thread and frees 'db'.  NULL is a no-op. */
void db_close(struct db *db);

/* Appends the record 'edits' (a JSON array of edits as described above;
 * borrowed) to the log.  On success returns 0 and stores the record's
 * sequence number (1, 2, ...) in '*seqnop'; the record is durable once
 * the commit callback reports that number.  Returns a positive errno
 * value if the record could not be written (ENOSPC: disk full; EINVAL:
 * not an array of edits) or the db failed earlier and was not repaired;
 * nothing of the record is then in the log. */
int db_append(struct db *db, const json_t *edits, uint64_t *seqnop);

/* Like db_append(), for a record already encoded: 'text' holds 'size'
 * bytes of compact JSON (no newline) that the caller vouches is a record
 * as db_append() takes; it is not checked (loading would refuse a bad
 * one).  For big records, where building and dumping a json_t costs. */
int db_append_text(struct db *db, const char *text, size_t size,
                   uint64_t *seqnop);

/* Synchronously makes 'doc' the whole content of the db: writes it as the
 * snapshot and empties the log, in an order that is crash-safe.  Repairs
 * a db whose log failed.  Returns 0 or a positive errno value; on failure
 * the db still holds what it held (and stays failed if it was). */
int db_replace(struct db *db, const json_t *doc);

/* Returns the sequence number of the last appended record (0: none). */
uint64_t db_last_seqno(const struct db *db);

/* Returns the error that made the log unusable (a failed sync), or 0.
 * A failed db refuses db_append() until db_replace() succeeds. */
int db_get_error(const struct db *db);

/* Called by db_run() on the main thread: every record up to 'seqno' is
 * durable (error 0), or failed with positive errno 'error'. */
typedef void db_commit_func(uint64_t seqno, int error, void *aux);
void db_set_commit_cb(struct db *db, db_commit_func *cb, void *aux);

/* A file descriptor that becomes readable when db_run() has work. */
int db_get_fd(const struct db *db);

/* Reports completed syncs through the commit callback.  Never blocks. */
void db_run(struct db *db);

/* Sets the log size above which compaction starts (for tests; default
 * DB_COMPACT_MIN, still only once the log outgrows the snapshot unless
 * 'force' is set). */
void db_set_compact_threshold(struct db *db, size_t size, bool force);

/* Number of compactions completed since db_open(). */
unsigned int db_n_compactions(const struct db *db);

#endif /* db.h */
