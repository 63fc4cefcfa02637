#include <config.h>
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int
test_db_main(int argc, char *argv[])
{
    if (argc < 2) {
        nfvs_fatal(0, "usage: test-db load|save|crash ARG...");
    }
    if (!strcmp(argv[1], "load")) {
        return do_load(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "save")) {
        return do_save(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "crash")) {
        return do_crash(argc - 2, argv + 2);
    }
    nfvs_fatal(0, "unknown command \"%s\"", argv[1]);
}

NFVSTEST_REGISTER("test-db", test_db_main);
