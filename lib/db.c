#include <config.h>
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include "json-util.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db);

struct db_completion {
    uint64_t seqno;             /* Records up to this one are done... */
    int error;                  /* ...durable (0) or failed (errno). */
};

struct db {
    char *path;                 /* The snapshot. */
    char *log_path;             /* 'path' + ".log". */
    char *dir;                  /* Directory of both. */
    const char *base;           /* Last component of 'path'. */
    const char *log_base;       /* Last component of 'log_path'. */
    int dir_fd;                 /* 'dir', for fsync and *at(). */

    pthread_t thread;           /* The commit thread. */
    pthread_mutex_t mutex;      /* Protects everything below. */
    pthread_cond_t cond;        /* Signals any change of state. */
    int log_fd;                 /* The log, O_APPEND. */
    uint64_t log_size;          /* Bytes in the log. */
    uint64_t synced_size;       /* Bytes of it known durable. */
    uint64_t seqno;             /* Last appended record. */
    uint64_t synced_seqno;      /* Last record durable or failed. */
    int error;                  /* Sticky failure of the log, or 0. */
    bool busy;                  /* Commit thread works unlocked. */
    bool exiting;               /* db_close() wants the thread to end. */
    uint64_t snapshot_size;     /* Bytes in the snapshot. */
    uint64_t compact_min;       /* Compact when the log is this big... */
    bool compact_force;         /* ...even if smaller than the snapshot. */
    uint64_t compact_retry;     /* After a failure: retry from this size. */
    unsigned int n_compactions; /* Completed compactions. */
    struct db_completion *done; /* Completions db_run() has to report. */
    size_t n_done, allocated_done;
    int notify_fds[2];          /* Pipe: readable when 'n_done'. */

    db_commit_func *commit_cb;  /* Main thread only. */
    void *commit_aux;
};

static int db_save__(const char *path, const json_t *doc, size_t *sizep);

static int
write_fully(int fd, const char *s, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, s, size);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        s += n;
        size -= n;
    }
    return 0;
}

/* Writes the 'n' buffers of 'iov' (modified) fully to 'fd'. */
static int
writev_fully(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t written = writev(fd, iov, n);

        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno;
        }
        while (n > 0 && (size_t) written >= iov->iov_len) {
            written -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *) iov->iov_base + written;
            iov->iov_len -= written;
        }
    }
    return 0;
}

#define CONST_CAST__(P) ((void *) (uintptr_t) (P))

/* Splits 'path' into a malloc'd directory name in '*dirp' and a pointer
 * to its last component in '*basep'. */
static void
split_path(const char *path, char **dirp, const char **basep)
{
    const char *slash = strrchr(path, '/');

    if (!slash) {
        *dirp = xstrdup(".");
        *basep = path;
    } else {
        *dirp = slash == path ? xstrdup("/") : xmemdup0(path, slash - path);
        *basep = slash + 1;
    }
}

/* Returns true if 'name' is a temporary file of db_save() for the db
 * named 'base', that is ".BASE.tmp.PID". */
static bool
is_temp_name(const char *name, const char *base)
{
    size_t base_len = strlen(base);
    const char *p;

    if (name[0] != '.' || strncmp(name + 1, base, base_len)
        || strncmp(name + 1 + base_len, ".tmp.", 5)) {
        return false;
    }
    p = name + 1 + base_len + 5;
    if (!*p) {
        return false;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }
    return true;
}

/* Removes temporary files left behind by writers that died before their
 * rename.  Only one process writes the db (the daemon holds its pidfile),
 * so any such file is garbage once our own rename has succeeded. */
static void
remove_stale_temp_files(int dir_fd, const char *dir, const char *base)
{
    struct dirent *de;
    DIR *d;
    int fd;

    fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return;
    }
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (is_temp_name(de->d_name, base)
            && unlinkat(dir_fd, de->d_name, 0) && errno != ENOENT) {
            VLOG_WARN("%s/%s: could not remove stale temporary file (%s)",
                      dir, de->d_name, nfvs_strerror(errno));
        }
    }
    closedir(d);
}

int
db_save(const char *path, const json_t *doc)
{
    return db_save__(path, doc, NULL);
}

/* db_save(), also storing the snapshot's size in '*sizep' if nonnull. */
static int
db_save__(const char *path, const json_t *doc, size_t *sizep)
{
    const char *base;
    char *tmp_name;
    char *text;
    char *dir;
    int dir_fd;
    int error;
    int fd;

    /* db_load() accepts nothing else, so neither may this. */
    if (!json_is_object(doc)) {
        return EINVAL;
    }
    text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!text) {
        return EINVAL;
    }

    split_path(path, &dir, &base);
    if (!*base) {
        error = EISDIR;
        goto out_free_dir;
    }
    dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd < 0) {
        error = errno;
        goto out_free_dir;
    }

    /* The pid keeps concurrent writers (e.g. a daemon and an offline tool
     * racing by mistake) from writing into one temporary file. */
    tmp_name = xasprintf(".%s.tmp.%ld", base, (long int) getpid());
    fd = openat(dir_fd, tmp_name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                0644);
    if (fd < 0) {
        error = errno;
        goto out_free_tmp;
    }

    if (sizep) {
        *sizep = strlen(text) + 1;
    }
    error = write_fully(fd, text, strlen(text));
    if (!error) {
        error = write_fully(fd, "\n", 1);
    }
    if (!error && fsync(fd)) {
        error = errno;
    }
    if (close(fd) && !error) {
        error = errno;
    }
    if (!error && renameat(dir_fd, tmp_name, dir_fd, base)) {
        error = errno;
    }
    if (error) {
        unlinkat(dir_fd, tmp_name, 0);
        goto out_free_tmp;
    }

    /* Without this the rename itself may not survive a power loss.  The
     * new db is already in place, so a failure here only means that it
     * may not be durable yet; it is still reported.  Some file systems
     * cannot fsync a directory at all (EINVAL). */
    if (fsync(dir_fd) && errno != EINVAL) {
        error = errno;
    }
    remove_stale_temp_files(dir_fd, dir, base);

out_free_tmp:
    free(tmp_name);
    close(dir_fd);
out_free_dir:
    free(dir);
    free(text);
    return error;
}

/* Loading. */

/* Reads the snapshot at 'path' into '*docp'.  Stores its size in
 * '*sizep'. */
static int
load_snapshot(const char *path, json_t **docp, uint64_t *sizep,
              char **errp)
{
    json_error_t jerr;
    struct stat st;
    json_t *doc;
    FILE *file;
    int error = 0;

    *docp = NULL;
    *sizep = 0;

    /* Open the file ourselves so that a missing db is told apart from a
     * broken one by errno, not by parsing jansson's message. */
    file = fopen(path, "re");
    if (!file) {
        error = errno;
    } else if (!fstat(fileno(file), &st) && S_ISDIR(st.st_mode)) {
        /* Linux opens a directory for reading; only read() fails. */
        fclose(file);
        error = EISDIR;
    }
    if (error) {
        if (errp && error != ENOENT) {
            *errp = xasprintf("%s: %s", path, nfvs_strerror(error));
        }
        return error;
    }
    *sizep = st.st_size;

    doc = json_loadf(file, JSON_REJECT_DUPLICATES, &jerr);
    if (ferror(file)) {
        error = EIO;
        if (errp) {
            *errp = xasprintf("%s: read failed", path);
        }
    } else if (!doc) {
        error = EINVAL;
        if (errp) {
            *errp = xasprintf("%s:%d:%d: %s",
                              path, jerr.line, jerr.column, jerr.text);
        }
    } else if (!json_is_object(doc)) {
        error = EINVAL;
        if (errp) {
            *errp = xasprintf("%s: db must be a JSON object, not %s",
                              path, json_type_name(doc));
        }
    }
    fclose(file);

    if (error) {
        json_decref(doc);
    } else {
        *docp = doc;
    }
    return error;
}

/* Checks that 'edits' is a record (see db.h).  Returns NULL if so,
 * otherwise a malloc'd message. */
static char *
check_record(const json_t *edits)
{
    const json_t *edit;
    size_t i;

    if (!json_is_array(edits)) {
        return xasprintf("record must be an array, not %s",
                         json_type_name(edits));
    }
    json_array_foreach (edits, i, edit) {
        const json_t *path, *key;
        const char *op;
        size_t j;

        op = json_string_value(json_array_get(edit, 0));
        path = json_array_get(edit, 1);
        if (!json_is_array(edit) || !op || !json_is_array(path)
            || (!strcmp(op, "set") ? json_array_size(edit) != 3
                : strcmp(op, "del") || json_array_size(edit) != 2)) {
            return xasprintf("edit %zu: expected [\"set\", PATH, VALUE] "
                             "or [\"del\", PATH]", i + 1);
        }
        json_array_foreach (path, j, key) {
            if (!json_is_string(key)) {
                return xasprintf("edit %zu: path member %zu is not a "
                                 "string", i + 1, j + 1);
            }
        }
        if (!json_array_size(path)
            && (op[0] == 'd' || !json_is_object(json_array_get(edit, 2)))) {
            return xasprintf("edit %zu: the whole db can only be set to "
                             "an object", i + 1);
        }
    }
    return NULL;
}

/* Applies the edits of the checked record 'edits' to '*docp' (which may
 * be NULL: no document yet). */
static void
apply_record(json_t **docp, const json_t *edits)
{
    const json_t *edit;
    size_t i;

    json_array_foreach (edits, i, edit) {
        const json_t *path = json_array_get(edit, 1);
        bool is_set = json_array_size(edit) == 3;
        size_t n = json_array_size(path), j;
        json_t *parent;

        if (!n) {
            json_decref(*docp);
            *docp = json_incref(json_array_get(edit, 2));
            continue;
        }
        if (!*docp) {
            if (!is_set) {
                continue;
            }
            *docp = json_object();
        }
        parent = *docp;
        for (j = 0; j + 1 < n && parent; j++) {
            const char *key = json_string_value(json_array_get(path, j));
            json_t *child = json_object_get(parent, key);

            if (!json_is_object(child)) {
                if (is_set) {
                    child = json_object();
                    json_object_set_new(parent, key, child);
                } else {
                    child = NULL;
                }
            }
            parent = child;
        }
        if (!parent) {
            continue;
        }
        if (is_set) {
            json_object_set(parent,
                            json_string_value(json_array_get(path, n - 1)),
                            json_array_get(edit, 2));
        } else {
            json_object_del(parent,
                            json_string_value(json_array_get(path, n - 1)));
        }
    }
}

/* Replays the 'size' bytes of log at 'data' (read from 'name') onto
 * '*docp'.  Stores in '*validp' the length of the prefix that holds
 * complete records (a torn last line is not part of it).  Returns 0 or
 * EINVAL with a message in '*errp' (if nonnull). */
static int
replay_log(const char *name, const char *data, size_t size, json_t **docp,
           uint64_t *validp, char **errp)
{
    size_t ofs = 0;
    int line = 0;

    while (ofs < size) {
        const char *nl = memchr(data + ofs, '\n', size - ofs);
        json_error_t jerr;
        json_t *record;
        char *msg;

        line++;
        if (!nl) {
            /* Torn: the writer died before finishing this record. */
            VLOG_WARN("%s:%d: ignoring incomplete last record (%zu bytes)",
                      name, line, size - ofs);
            break;
        }
        record = json_loadb(data + ofs, nl - (data + ofs),
                            JSON_REJECT_DUPLICATES, &jerr);
        if (!record) {
            if (errp) {
                *errp = xasprintf("%s:%d:%d: %s", name, line, jerr.column,
                                  jerr.text);
            }
            return EINVAL;
        }
        msg = check_record(record);
        if (msg) {
            if (errp) {
                *errp = xasprintf("%s:%d: %s", name, line, msg);
            }
            free(msg);
            json_decref(record);
            return EINVAL;
        }
        apply_record(docp, record);
        json_decref(record);
        ofs = nl + 1 - data;
    }
    *validp = ofs;
    return 0;
}

/* Reads the whole file 'fd' into a malloc'd buffer stored in '*datap'
 * (caller frees), its size in '*sizep'. */
static int
read_fd(int fd, char **datap, size_t *sizep)
{
    size_t size = 0, allocated = 65536;
    char *data = xmalloc(allocated);

    for (;;) {
        ssize_t n;

        if (size == allocated) {
            allocated *= 2;
            data = xrealloc(data, allocated);
        }
        n = pread(fd, data + size, allocated - size, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            free(data);
            return errno;
        }
        if (!n) {
            break;
        }
        size += n;
    }
    *datap = data;
    *sizep = size;
    return 0;
}

/* Loads snapshot and log.  Stores the snapshot's size in
 * '*snapshot_sizep' and the length of the log's valid prefix in
 * '*log_validp'. */
static int
db_load__(const char *path, json_t **docp, uint64_t *snapshot_sizep,
          uint64_t *log_validp, char **errp)
{
    char *log_path = xasprintf("%s.log", path);
    json_t *doc = NULL;
    size_t log_size = 0;
    char *data = NULL;
    int error;
    int fd;

    *docp = NULL;
    *log_validp = 0;
    if (errp) {
        *errp = NULL;
    }
    error = load_snapshot(path, &doc, snapshot_sizep, errp);
    if (error && error != ENOENT) {
        goto out;
    }

    fd = open(log_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT) {
            error = errno;
            if (errp) {
                *errp = xasprintf("%s: %s", log_path, nfvs_strerror(error));
            }
        }
        goto out;
    }
    error = read_fd(fd, &data, &log_size);
    close(fd);
    if (error) {
        if (errp) {
            *errp = xasprintf("%s: %s", log_path, nfvs_strerror(error));
        }
        goto out;
    }
    error = replay_log(log_path, data, log_size, &doc, log_validp, errp);
    free(data);
    if (!error && !doc) {
        error = ENOENT;
    }

out:
    if (error) {
        json_decref(doc);
    } else {
        *docp = doc;
    }
    free(log_path);
    return error;
}

int
db_load(const char *path, json_t **docp, char **errp)
{
    uint64_t snapshot_size, log_valid;

    return db_load__(path, docp, &snapshot_size, &log_valid, errp);
}

/* The db object. */

static void
db_notify__(struct db *db, uint64_t seqno, int error)
{
    if (db->n_done == db->allocated_done) {
        db->allocated_done = db->allocated_done ? 2 * db->allocated_done
                                                : 16;
        db->done = xrealloc(db->done, db->allocated_done * sizeof *db->done);
    }
    db->done[db->n_done].seqno = seqno;
    db->done[db->n_done].error = error;
    if (!db->n_done++) {
        /* A full pipe is already readable. */
        if (write(db->notify_fds[1], "", 1) < 0) {
            VLOG_DBG("notify: %s", nfvs_strerror(errno));
        }
    }
}

/* Writes a new log holding the 'size' bytes at 'data' and puts it in
 * place of the old one.  Called with the mutex held.  On success the new
 * log is durable and open in 'db->log_fd'. */
static int
db_swap_log__(struct db *db, const char *data, size_t size)
{
    char *tmp_name = xasprintf(".%s.tmp.%ld", db->log_base,
                               (long int) getpid());
    int error = 0;
    int fd;

    fd = openat(db->dir_fd, tmp_name,
                O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = errno;
        goto out;
    }
    error = write_fully(fd, data, size);
    if (!error && fdatasync(fd)) {
        error = errno;
    }
    if (!error && renameat(db->dir_fd, tmp_name, db->dir_fd,
                           db->log_base)) {
        error = errno;
    }
    if (error) {
        close(fd);
        unlinkat(db->dir_fd, tmp_name, 0);
        goto out;
    }
    /* The new log is in place; if the rename is lost in a power failure,
     * the old log (a superset) replays to the same document. */
    if (fsync(db->dir_fd) && errno != EINVAL) {
        VLOG_WARN("%s: fsync failed (%s)", db->dir, nfvs_strerror(errno));
    }
    close(db->log_fd);
    db->log_fd = fd;
    db->log_size = db->synced_size = size;
    remove_stale_temp_files(db->dir_fd, db->dir, db->log_base);

out:
    free(tmp_name);
    return error;
}

/* Compacts: writes snapshot + the synced part of the log as the new
 * snapshot, then the rest of the log as the new log.  Called with the
 * mutex held and 'busy' set; drops the mutex while it works on files. */
static void
db_compact__(struct db *db)
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(1, 5);
    uint64_t prefix = db->synced_size, snapshot_size, valid;
    size_t new_size = 0, size;
    char *msg = NULL, *data;
    json_t *doc = NULL;
    int error;

    pthread_mutex_unlock(&db->mutex);
    error = load_snapshot(db->path, &doc, &snapshot_size, &msg);
    if (error == ENOENT) {
        error = 0;
    }
    if (!error) {
        data = xmalloc(prefix ? prefix : 1);
        size = 0;
        while (!error && size < prefix) {
            ssize_t n = pread(db->log_fd, data + size, prefix - size, size);

            error = n < 0 ? errno : !n ? EIO : 0;
            size += n > 0 ? n : 0;
        }
        if (!error) {
            error = replay_log(db->log_path, data, prefix, &doc, &valid,
                               &msg);
        }
        free(data);
    }
    if (!error && !json_is_object(doc)) {
        error = EINVAL;
        msg = xasprintf("%s: no document to compact", db->path);
    }
    if (!error) {
        error = db_save__(db->path, doc, &new_size);
    }
    json_decref(doc);
    pthread_mutex_lock(&db->mutex);

    if (!error) {
        /* The snapshot holds the first 'prefix' bytes of the log now.
         * Nothing appends while we hold the mutex. */
        size = db->log_size - prefix;
        data = xmalloc(size ? size : 1);
        if (size && pread(db->log_fd, data, size, prefix) != (ssize_t) size) {
            error = EIO;
        } else {
            error = db_swap_log__(db, data, size);
        }
        free(data);
        if (!error) {
            /* The new log was synced whole. */
            if (db->synced_seqno < db->seqno) {
                db->synced_seqno = db->seqno;
                db_notify__(db, db->seqno, 0);
            }
            db->n_compactions++;
            VLOG_DBG("%s: compacted (%zu bytes, log now %"PRIu64" bytes)",
                      db->path, new_size, db->log_size);
        }
    }
    if (!error) {
        db->snapshot_size = new_size;
        db->compact_retry = 0;
    } else {
        /* The log still holds every change: nothing is lost or undone. */
        VLOG_WARN_RL(&rl, "%s: compaction failed, the log keeps the "
                     "changes: %s", db->path,
                     msg ? msg : nfvs_strerror(error));
        db->compact_retry = 2 * db->log_size;
    }
    free(msg);
}

static bool
db_wants_compaction__(const struct db *db)
{
    return (!db->error && !db->exiting
            && db->synced_size >= db->compact_min
            && (db->compact_force || db->synced_size > db->snapshot_size)
            && db->log_size >= db->compact_retry);
}

static void *
db_commit_main(void *db_)
{
    struct db *db = db_;

    pthread_mutex_lock(&db->mutex);
    for (;;) {
        if (db_wants_compaction__(db)) {
            db->busy = true;
            db_compact__(db);
            db->busy = false;
            pthread_cond_broadcast(&db->cond);
        } else if (db->synced_seqno < db->seqno) {
            uint64_t seqno = db->seqno, size = db->log_size;
            int fd = db->log_fd;
            int error = db->error;

            if (!error) {
                db->busy = true;
                pthread_mutex_unlock(&db->mutex);
                error = fdatasync(fd) ? errno : 0;
                pthread_mutex_lock(&db->mutex);
                db->busy = false;
                if (error) {
                    VLOG_ERR("%s: sync failed, refusing changes until the "
                             "db is rewritten: %s", db->log_path,
                             nfvs_strerror(error));
                    db->error = error;
                }
            }
            if (seqno > db->synced_seqno) {
                /* (db_replace() may have made these durable meanwhile.) */
                db->synced_seqno = seqno;
                if (!error) {
                    db->synced_size = size;
                }
                db_notify__(db, seqno, error);
            }
            pthread_cond_broadcast(&db->cond);
        } else if (db->exiting) {
            break;
        } else {
            pthread_cond_wait(&db->cond, &db->mutex);
        }
    }
    pthread_mutex_unlock(&db->mutex);
    return NULL;
}

int
db_open(const char *path, struct db **dbp, json_t **docp, char **errp)
{
    uint64_t snapshot_size, log_valid;
    struct db *db;
    int error;

    *dbp = NULL;
    error = db_load__(path, docp, &snapshot_size, &log_valid, errp);
    if (error && error != ENOENT) {
        return error;
    }

    db = xzalloc(sizeof *db);
    db->path = xstrdup(path);
    db->log_path = xasprintf("%s.log", path);
    split_path(db->path, &db->dir, &db->base);
    db->log_base = strrchr(db->log_path, '/');
    db->log_base = db->log_base ? db->log_base + 1 : db->log_path;
    db->snapshot_size = snapshot_size;
    db->compact_min = DB_COMPACT_MIN;
    db->notify_fds[0] = db->notify_fds[1] = -1;
    db->dir_fd = open(db->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (db->dir_fd < 0) {
        error = errno;
        goto error;
    }
    db->log_fd = openat(db->dir_fd, db->log_base,
                        O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (db->log_fd < 0) {
        error = errno;
        goto error;
    }
    /* Cut off a torn last record, so that the next one starts a line. */
    if (ftruncate(db->log_fd, log_valid)) {
        error = errno;
        goto error;
    }
    db->log_size = db->synced_size = log_valid;
    if (pipe2(db->notify_fds, O_CLOEXEC | O_NONBLOCK)) {
        error = errno;
        goto error;
    }
    pthread_mutex_init(&db->mutex, NULL);
    pthread_cond_init(&db->cond, NULL);

    /* A file size limit then fails writes with EFBIG, as a full disk
     * fails them with ENOSPC, instead of killing the process. */
    signal(SIGXFSZ, SIG_IGN);

    error = pthread_create(&db->thread, NULL, db_commit_main, db);
    if (error) {
        pthread_mutex_destroy(&db->mutex);
        pthread_cond_destroy(&db->cond);
        goto error;
    }
    *dbp = db;
    return 0;

error:
    if (errp) {
        *errp = xasprintf("%s: cannot open for writing: %s", db->log_path,
                          nfvs_strerror(error));
    }
    if (db->notify_fds[0] >= 0) {
        close(db->notify_fds[0]);
        close(db->notify_fds[1]);
    }
    if (db->log_fd > 0) {
        close(db->log_fd);
    }
    if (db->dir_fd >= 0) {
        close(db->dir_fd);
    }
    json_decref(*docp);
    *docp = NULL;
    free(db->dir);
    free(db->log_path);
    free(db->path);
    free(db);
    return error;
}

void
db_close(struct db *db)
{
    if (!db) {
        return;
    }
    pthread_mutex_lock(&db->mutex);
    db->exiting = true;
    pthread_cond_broadcast(&db->cond);
    pthread_mutex_unlock(&db->mutex);
    pthread_join(db->thread, NULL);
    db_run(db);

    pthread_mutex_destroy(&db->mutex);
    pthread_cond_destroy(&db->cond);
    close(db->notify_fds[0]);
    close(db->notify_fds[1]);
    close(db->log_fd);
    close(db->dir_fd);
    free(db->done);
    free(db->dir);
    free(db->log_path);
    free(db->path);
    free(db);
}

int
db_append(struct db *db, const json_t *edits, uint64_t *seqnop)
{
    char *msg = check_record(edits);
    char *text;
    int error;

    *seqnop = 0;
    if (msg) {
        VLOG_ERR("%s: refusing bad record: %s", db->log_path, msg);
        free(msg);
        return EINVAL;
    }
    text = json_dumps(edits, JSON_COMPACT);
    if (!text) {
        return EINVAL;
    }
    error = db_append_text(db, text, strlen(text), seqnop);
    free(text);
    return error;
}

int
db_append_text(struct db *db, const char *text, size_t size,
               uint64_t *seqnop)
{
    int error;

    *seqnop = 0;
    if (!size || memchr(text, '\n', size)) {
        return EINVAL;
    }
    pthread_mutex_lock(&db->mutex);
    error = db->error;
    if (!error) {
        struct iovec iov[2];

        iov[0].iov_base = CONST_CAST__(text);
        iov[0].iov_len = size;
        iov[1].iov_base = "\n";
        iov[1].iov_len = 1;
        error = writev_fully(db->log_fd, iov, 2);
        if (error) {
            /* Take back what part of the record got in, so the next one
             * starts a line of its own; if that fails, the log cannot be
             * appended to until it is rewritten. */
            if (ftruncate(db->log_fd, db->log_size)) {
                db->error = error;
            }
        } else {
            db->log_size += size + 1;
            *seqnop = ++db->seqno;
            pthread_cond_broadcast(&db->cond);
        }
    }
    pthread_mutex_unlock(&db->mutex);
    return error;
}

int
db_replace(struct db *db, const json_t *doc)
{
    json_t *record;
    size_t new_size;
    char *text;
    int error;

    if (!json_is_object(doc)) {
        return EINVAL;
    }
    record = json_pack("[[s, [], O]]", "set", doc);
    text = json_dumps(record, JSON_COMPACT);
    json_decref(record);
    if (!text) {
        return EINVAL;
    }

    pthread_mutex_lock(&db->mutex);
    while (db->busy) {
        pthread_cond_wait(&db->cond, &db->mutex);
    }

    /* First a new log that sets the whole document: from here on the db
     * loads as 'doc' whatever the snapshot holds.  Then the snapshot, and
     * only then an empty log. */
    {
        size_t len = strlen(text);

        text[len] = '\n';
        error = db_swap_log__(db, text, len + 1);
    }
    if (!error) {
        db->error = 0;
        if (db->synced_seqno < db->seqno) {
            db->synced_seqno = db->seqno;
            db_notify__(db, db->seqno, 0);
        }
        if (!db_save__(db->path, doc, &new_size)) {
            db->snapshot_size = new_size;
            if (!ftruncate(db->log_fd, 0) && !fdatasync(db->log_fd)) {
                db->log_size = db->synced_size = 0;
            }
        }
    }
    pthread_cond_broadcast(&db->cond);
    pthread_mutex_unlock(&db->mutex);
    free(text);
    return error;
}

uint64_t
db_last_seqno(const struct db *db)
{
    return db->seqno;           /* Only the main thread writes it. */
}

int
db_get_error(const struct db *db)
{
    struct db *db_ = (struct db *) db;
    int error;

    pthread_mutex_lock(&db_->mutex);
    error = db->error;
    pthread_mutex_unlock(&db_->mutex);
    return error;
}

void
db_set_commit_cb(struct db *db, db_commit_func *cb, void *aux)
{
    db->commit_cb = cb;
    db->commit_aux = aux;
}

int
db_get_fd(const struct db *db)
{
    return db->notify_fds[0];
}

void
db_run(struct db *db)
{
    struct db_completion *done;
    char buf[64];
    size_t n, i;

    while (read(db->notify_fds[0], buf, sizeof buf) > 0) {
        continue;
    }
    pthread_mutex_lock(&db->mutex);
    done = db->done;
    n = db->n_done;
    db->done = NULL;
    db->n_done = db->allocated_done = 0;
    pthread_mutex_unlock(&db->mutex);

    for (i = 0; i < n; i++) {
        if (db->commit_cb) {
            db->commit_cb(done[i].seqno, done[i].error, db->commit_aux);
        }
    }
    free(done);
}

void
db_set_compact_threshold(struct db *db, size_t size, bool force)
{
    pthread_mutex_lock(&db->mutex);
    db->compact_min = size;
    db->compact_force = force;
    pthread_cond_broadcast(&db->cond);
    pthread_mutex_unlock(&db->mutex);
}

unsigned int
db_n_compactions(const struct db *db)
{
    struct db *db_ = (struct db *) db;
    unsigned int n;

    pthread_mutex_lock(&db_->mutex);
    n = db->n_compactions;
    pthread_mutex_unlock(&db_->mutex);
    return n;
}
