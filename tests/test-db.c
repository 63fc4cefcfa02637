#include <config.h>
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "nfvstest.h"
#include "util.h"

/* "load FILE": prints the db compactly with sorted keys, or the error. */
static int
do_load(int argc, char *argv[])
{
    char *msg = NULL;
    json_t *doc;
    char *text;
    int error;

    CHECK(argc == 1);
    error = db_load(argv[0], &doc, &msg);
    if (error) {
        CHECK(!doc);
        printf("error: %s\n", nfvs_strerror(error));
        if (msg) {
            printf("%s\n", msg);
            free(msg);
        }
        return 1;
    }
    CHECK(!msg);
    text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    printf("%s\n", text);
    free(text);
    json_decref(doc);
    return 0;
}

/* "save FILE JSON [FSIZE-LIMIT]": saves the JSON text, optionally with a
 * limit on the size of files this process may write. */
static int
do_save(int argc, char *argv[])
{
    json_error_t jerr;
    json_t *doc;
    int error;

    CHECK(argc == 2 || argc == 3);
    doc = json_loads(argv[1], JSON_DECODE_ANY, &jerr);
    if (!doc) {
        nfvs_fatal(0, "bad JSON argument: %s", jerr.text);
    }
    if (argc == 3) {
        struct rlimit rlim;

        /* The kernel then fails the write with EFBIG rather than killing
         * the process, which is how a full disk looks to db_save(). */
        signal(SIGXFSZ, SIG_IGN);
        rlim.rlim_cur = rlim.rlim_max = atoi(argv[2]);
        CHECK(!setrlimit(RLIMIT_FSIZE, &rlim));
    }
    error = db_save(argv[0], doc);
    json_decref(doc);
    if (error) {
        printf("error: %s\n", nfvs_strerror(error));
        return 1;
    }
    return 0;
}

/* Builds an object of about 'size' bytes of JSON whose content depends on
 * 'tag', so that two docs differ everywhere. */
static json_t *
make_big_doc(const char *tag, size_t size)
{
    json_t *doc = json_object();
    json_t *ports = json_array();
    size_t i;

    json_object_set_new(doc, "tag", json_string(tag));
    for (i = 0; i < size / 64; i++) {
        json_t *port = json_object();
        char name[32];

        snprintf(name, sizeof name, "%s-port-%zu", tag, i);
        json_object_set_new(port, "name", json_string(name));
        json_object_set_new(port, "ofport", json_integer(i));
        json_array_append_new(ports, port);
    }
    json_object_set_new(doc, "ports", ports);
    return doc;
}

static char *
read_file(const char *path)
{
    struct stat st;
    char *buf;
    FILE *f;

    f = fopen(path, "r");
    CHECK(f != NULL);
    CHECK(!fstat(fileno(f), &st));
    buf = xmalloc(st.st_size + 1);
    CHECK(fread(buf, 1, st.st_size, f) == (size_t) st.st_size);
    buf[st.st_size] = '\0';
    fclose(f);
    return buf;
}

static char *
expected_text(const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    char *s = xasprintf("%s\n", text);

    free(text);
    return s;
}

/* Returns true if 'dir' holds a temporary file of db_save() for the db
 * named "db.json". */
static bool
temp_file_exists(const char *dir)
{
    static const char prefix[] = ".db.json.tmp.";
    struct dirent *de;
    bool found = false;
    DIR *d;

    d = opendir(dir);
    CHECK(d != NULL);
    while ((de = readdir(d)) != NULL) {
        found |= !strncmp(de->d_name, prefix, sizeof prefix - 1);
    }
    closedir(d);
    return found;
}

/* "crash DIR ITERATIONS MAX-SECONDS": a child saves two large docs in
 * turn while the parent kills it at random moments; after every kill the
 * db must load as exactly one of the two. */
static int
do_crash(int argc, char *argv[])
{
    long long int start, deadline, save_msec;
    int n_a = 0, n_b = 0, n_temp = 0, n;
    char *path, *text_a, *text_b;
    json_t *a, *b, *on_disk;
    int max_iter;

    CHECK(argc == 3);
    path = xasprintf("%s/db.json", argv[0]);
    max_iter = atoi(argv[1]);
    a = make_big_doc("a", 300 * 1024);
    b = make_big_doc("b", 300 * 1024);
    text_a = expected_text(a);
    text_b = expected_text(b);
    CHECK(strlen(text_a) > 200 * 1024);

    start = time_msec();
    CHECK(!db_save(path, a));
    on_disk = a;
    save_msec = time_msec() - start + 1;
    deadline = start + atoi(argv[2]) * 1000LL;
    srand(getpid());

    for (n = 0; n < max_iter && time_msec() < deadline; n++) {
        struct timespec delay;
        long long int usec;
        json_t *loaded;
        char *text;
        pid_t pid;
        int status;

        pid = fork();
        CHECK(pid >= 0);
        if (!pid) {
            /* Start with the doc that is not on disk, so that every
             * completed save changes the file. */
            const json_t *first = on_disk == a ? b : a;
            const json_t *second = on_disk == a ? a : b;

            for (;;) {
                db_save(path, first);
                db_save(path, second);
            }
        }

        /* Spread kills over about two saves of the child, so that they
         * land in every phase: serializing, writing, fsync, rename. */
        usec = rand() % (save_msec * 2000);
        delay.tv_sec = usec / 1000000;
        delay.tv_nsec = (usec % 1000000) * 1000;
        nanosleep(&delay, NULL);
        CHECK(!kill(pid, SIGKILL));
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

        n_temp += temp_file_exists(argv[0]);
        CHECK(!db_load(path, &loaded, NULL));
        text = read_file(path);
        if (json_equal(loaded, a)) {
            CHECK(!strcmp(text, text_a));
            on_disk = a;
            n_a++;
        } else {
            CHECK(json_equal(loaded, b));
            CHECK(!strcmp(text, text_b));
            on_disk = b;
            n_b++;
        }
        free(text);
        json_decref(loaded);
    }

    /* The next save cleans up whatever the killed writers left. */
    CHECK(!db_save(path, a));
    CHECK(!temp_file_exists(argv[0]));

    fprintf(stderr, "%d kills: %d found a, %d found b, %d left a temp "
            "file (%lld ms per save)\n", n, n_a, n_b, n_temp, save_msec);
    CHECK(n >= 20);
    CHECK(n_a > 0 && n_b > 0);
    printf("ok\n");

    json_decref(a);
    json_decref(b);
    free(text_a);
    free(text_b);
    free(path);
    return 0;
}

/* Commit callback of the tests: records the last seqno done. */
static void
note_commit(uint64_t seqno, int error, void *done_)
{
    uint64_t *done = done_;

    CHECK(!error);
    *done = seqno;
}

/* Waits until 'db' reports 'seqno' durable in '*done'. */
static void
wait_durable(struct db *db, uint64_t seqno, const uint64_t *done)
{
    while (*done < seqno) {
        struct pollfd pfd = { .fd = db_get_fd(db), .events = POLLIN };

        CHECK(poll(&pfd, 1, -1) >= 0);
        db_run(db);
    }
}

/* "append FILE RECORD...": opens the db, gives it an empty snapshot if it
 * has none, appends each RECORD (a JSON text) and waits until they are
 * durable.  Prints "error: ..." and stops at the first refused one. */
static int
do_append(int argc, char *argv[])
{
    uint64_t done = 0, seqno = 0;
    char *msg = NULL;
    struct db *db;
    json_t *doc;
    int error;
    int i;

    CHECK(argc >= 1);
    error = db_open(argv[0], &db, &doc, &msg);
    if (error) {
        printf("error: %s\n%s\n", nfvs_strerror(error), msg);
        free(msg);
        return 1;
    }
    db_set_commit_cb(db, note_commit, &done);
    if (!doc) {
        doc = json_object();
        CHECK(!db_replace(db, doc));
    }
    json_decref(doc);
    for (i = 1; i < argc; i++) {
        json_error_t jerr;
        json_t *record;

        record = json_loads(argv[i], JSON_DECODE_ANY, &jerr);
        if (!record) {
            nfvs_fatal(0, "bad JSON argument: %s", jerr.text);
        }
        error = db_append(db, record, &seqno);
        json_decref(record);
        if (error) {
            printf("error: %s\n", nfvs_strerror(error));
            break;
        }
    }
    wait_durable(db, seqno, &done);
    db_close(db);
    return error ? 1 : 0;
}

/* Shared between "crash-log" and its children. */
struct crash_log_state {
    volatile uint64_t appended;     /* Highest record number appended. */
    volatile uint64_t answered;     /* Highest one reported durable. */
    volatile unsigned int n_compactions;  /* Seen by the children. */
    volatile int ready;             /* The child opened the db. */
};

#define CRASH_LOG_WINDOW 5

static char *
crash_log_key(uint64_t i)
{
    return xasprintf("k%"PRIu64, i);
}

static json_t *
crash_log_value(uint64_t i)
{
    char *s = xasprintf("%"PRIu64"-%0600d", i, 0);
    json_t *value = json_pack("[s, s, s]", s, s, s);

    free(s);
    return value;
}

/* Record 'i' sets "n" to 'i', adds member "k<i>" of "keys" and removes
 * "k<i - WINDOW>": the state after record 'i' is easy to recognize. */
static json_t *
crash_log_record(uint64_t i)
{
    char *key = crash_log_key(i);
    json_t *record;

    record = json_pack("[[s, [s], I], [s, [s, s], o]]",
                       "set", "n", (json_int_t) i,
                       "set", "keys", key, crash_log_value(i));
    free(key);
    if (i > CRASH_LOG_WINDOW) {
        key = crash_log_key(i - CRASH_LOG_WINDOW);
        json_array_append_new(record,
                              json_pack("[s, [s, s]]", "del", "keys", key));
        free(key);
    }
    return record;
}

/* Checks that 'doc' is exactly the state after record 'n'. */
static void
crash_log_check(const json_t *doc, uint64_t n)
{
    const json_t *keys = json_object_get(doc, "keys");
    uint64_t i;

    CHECK(json_is_object(keys));
    CHECK(json_object_size(keys) == NFVS_MIN(n, CRASH_LOG_WINDOW));
    for (i = n > CRASH_LOG_WINDOW ? n - CRASH_LOG_WINDOW + 1 : 1; i <= n;
         i++) {
        char *key = crash_log_key(i);
        json_t *value = crash_log_value(i);

        CHECK(json_equal(json_object_get(keys, key), value));
        json_decref(value);
        free(key);
    }
}

/* The child of "crash-log": appends records 'next', 'next' + 1, ... in
 * groups of 1 to 8, waiting for each group to be durable, with the log
 * compacted every 16 kB, until killed. */
static void
crash_log_child(const char *path, uint64_t next,
                struct crash_log_state *state)
{
    uint64_t done = 0, seqno = 0;
    struct db *db;
    json_t *doc;

    CHECK(!db_open(path, &db, &doc, NULL));
    json_decref(doc);
    db_set_commit_cb(db, note_commit, &done);
    db_set_compact_threshold(db, 16 * 1024, true);
    state->ready = 1;
    srand(getpid());
    for (;;) {
        int n = 1 + rand() % 8;
        uint64_t first = next;

        for (; next < first + n; next++) {
            json_t *record = crash_log_record(next);

            state->appended = next;
            CHECK(!db_append(db, record, &seqno));
            json_decref(record);
        }
        wait_durable(db, seqno, &done);
        state->answered = next - 1;
        state->n_compactions = db_n_compactions(db);
    }
}

/* Returns true if 'dir' holds a temporary file of a db named "db.json"
 * or of its log. */
static bool
any_temp_file_exists(const char *dir)
{
    struct dirent *de;
    bool found = false;
    DIR *d;

    d = opendir(dir);
    CHECK(d != NULL);
    while ((de = readdir(d)) != NULL) {
        found |= (!strncmp(de->d_name, ".db.json.tmp.", 13)
                  || !strncmp(de->d_name, ".db.json.log.tmp.", 17));
    }
    closedir(d);
    return found;
}

/* "crash-log DIR ITERATIONS MAX-SECONDS": a child appends records to the
 * db while the parent kills it at random moments, appending or
 * compacting.  After every kill the db must load as the state after some
 * record at least as late as the last one the child saw durable and no
 * later than the last it appended (a torn last record is ignored). */
static int
do_crash_log(int argc, char *argv[])
{
    int n, max_iter, n_temp = 0, n_torn = 0;
    unsigned int n_compactions = 0;
    struct crash_log_state *state;
    long long int deadline;
    json_t *doc;
    uint64_t on_disk = 0;
    char *path;

    CHECK(argc == 3);
    path = xasprintf("%s/db.json", argv[0]);
    max_iter = atoi(argv[1]);
    deadline = time_msec() + atoi(argv[2]) * 1000LL;
    state = mmap(NULL, sizeof *state, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    CHECK(state != MAP_FAILED);
    memset(state, 0, sizeof *state);
    doc = json_pack("{s:i, s:{}}", "n", 0, "keys");
    CHECK(!db_save(path, doc));
    json_decref(doc);
    srand(getpid());

    for (n = 0; n < max_iter && time_msec() < deadline; n++) {
        struct timespec delay;
        struct stat st;
        json_t *loaded;
        uint64_t got;
        char *log;
        pid_t pid;
        int status;
        long usec;

        state->appended = state->answered = on_disk;
        state->n_compactions = 0;
        state->ready = 0;
        pid = fork();
        CHECK(pid >= 0);
        if (!pid) {
            crash_log_child(path, on_disk + 1, state);
        }

        /* Kill at a random moment of its appending, not of its start
         * (which takes long with sanitizers). */
        while (!state->ready) {
            struct timespec ms = { .tv_nsec = 1000000 };

            nanosleep(&ms, NULL);
        }
        usec = rand() % 60000;
        delay.tv_sec = 0;
        delay.tv_nsec = usec * 1000;
        nanosleep(&delay, NULL);
        CHECK(!kill(pid, SIGKILL));
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        n_compactions += state->n_compactions;

        n_temp += any_temp_file_exists(argv[0]);
        log = xasprintf("%s.log", path);
        if (!stat(log, &st) && st.st_size) {
            char *text = read_file(log);

            n_torn += text[strlen(text) - 1] != '\n';
            free(text);
        }
        free(log);
        CHECK(!db_load(path, &loaded, NULL));
        got = json_integer_value(json_object_get(loaded, "n"));
        if (got < state->answered || got > state->appended) {
            nfvs_fatal(0, "after kill %d: db holds record %"PRIu64", "
                       "but %"PRIu64" was durable and %"PRIu64" the last "
                       "appended", n, got, state->answered,
                       state->appended);
        }
        crash_log_check(loaded, got);
        json_decref(loaded);
        on_disk = got;
    }

    fprintf(stderr, "%d kills: %"PRIu64" records, %u compactions, %d kills "
            "left a temporary file, %d a torn record\n",
            n, on_disk, n_compactions, n_temp, n_torn);
    CHECK(n >= 20);
    CHECK(on_disk >= 100);
    CHECK(n_compactions > 0);
    printf("ok\n");
    munmap(state, sizeof *state);
    free(path);
    return 0;
}

static int
test_db_main(int argc, char *argv[])
{
    if (argc < 2) {
        nfvs_fatal(0, "usage: test-db load|save|crash|append|crash-log "
                   "ARG...");
    }
    if (!strcmp(argv[1], "load")) {
        return do_load(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "save")) {
        return do_save(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "crash")) {
        return do_crash(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "append")) {
        return do_append(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "crash-log")) {
        return do_crash_log(argc - 2, argv + 2);
    }
    nfvs_fatal(0, "unknown command \"%s\"", argv[1]);
}

NFVSTEST_REGISTER("test-db", test_db_main);
