#include <config.h>
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "json-util.h"
#include "util.h"
#include "vlog.h"

VLOG_DEFINE_THIS_MODULE(db);

int
db_load(const char *path, json_t **docp, char **errp)
{
    json_error_t jerr;
    struct stat st;
    json_t *doc;
    FILE *file;
    int error = 0;

    *docp = NULL;
    if (errp) {
        *errp = NULL;
    }

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
