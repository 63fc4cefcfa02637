#include <config.h>
#include "vlog.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "nfvstest.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(test_vlog);

/* A second module, so that "ANY" is seen to reach more than one. */
static struct vlog_module other_module = {
    "test_vlog_b", { VLL_INFO, VLL_ERR, VLL_INFO }, VLL_INFO, NULL
};

static void
sleep_msec(long int msec)
{
    struct timespec ts = { msec / 1000, (msec % 1000) * 1000000 };

    while (nanosleep(&ts, &ts) && errno == EINTR) {
        continue;
    }
}

static void
set_levels_or_die(const char *spec)
{
    char *error = vlog_set_levels_from_string(spec);

    if (error) {
        fprintf(stderr, "%s\n", error);
        free(error);
        exit(1);
    }
}

/* "set SPEC...": applies each SPEC, then prints the level table. */
static int
do_set(int argc, char *argv[])
{
    char *table;
    int i;

    for (i = 0; i < argc; i++) {
        set_levels_or_die(argv[i]);
    }
    table = vlog_get_levels();
    fputs(table, stdout);
    free(table);
    return 0;
}

/* "log FILE": logs at every level to the console and to FILE, changing
 * levels in between. */
static int
do_log(int argc, char *argv[])
{
    int error;

    CHECK(argc == 1);
    CHECK(!vlog_is_enabled(&this_module, VLL_DBG));
    error = vlog_set_log_file(argv[0]);
    printf("set_log_file: %s\n", nfvs_strerror(error));

    VLOG_EMER("emergency %d", 1);
    VLOG_ERR("error %s", "two");
    VLOG_WARN("warning");
    VLOG_INFO("information");
    VLOG_DBG("debugging is off by default");

    set_levels_or_die("test_vlog:file:dbg");
    set_levels_or_die("test_vlog:console:err");
    CHECK(vlog_is_enabled(&this_module, VLL_DBG));
    VLOG_DBG("debug to the file only");
    VLOG_WARN("warning to the file only");
    VLOG_ERR("error everywhere");

    set_levels_or_die("ANY:ANY:warn");
    VLOG_INFO("info nowhere");
    VLOG_WARN("warning everywhere");
    vlog(&other_module, VLL_WARN, "from the other module");

    /* A file that cannot be opened leaves the old one in use. */
    error = vlog_set_log_file("nonexistent/dir/log");
    printf("set_log_file: %s\n", nfvs_strerror(error));
    VLOG_WARN("still in the first file");

    set_levels_or_die("off");
    CHECK(!vlog_is_enabled(&this_module, VLL_EMER));
    VLOG_EMER("nothing at all");

    CHECK(!vlog_set_log_file(NULL));
    return 0;
}

/* "ratelimit FILE": bursts past a rate limit and logs again once it has
 * refilled. */
static int
do_ratelimit(int argc, char *argv[])
{
    static struct vlog_rate_limit rl = VLOG_RATE_LIMIT_INIT(60, 5);
    int i;

    CHECK(argc == 1);
    set_levels_or_die("ANY:console:off");
    CHECK(!vlog_set_log_file(argv[0]));

    /* A disabled level neither consumes tokens nor counts as dropped. */
    for (i = 0; i < 10; i++) {
        VLOG_DBG_RL(&rl, "disabled %d", i);
    }
    for (i = 0; i < 20; i++) {
        VLOG_WARN_RL(&rl, "message %d", i);
    }
    CHECK(rl.n_dropped == 15);

    /* 60 per minute is one per second. */
    sleep_msec(1050);
    VLOG_WARN_RL(&rl, "message %d", i++);
    CHECK(rl.n_dropped == 0);
    VLOG_WARN_RL(&rl, "message %d", i++);
    CHECK(rl.n_dropped == 1);

    CHECK(!vlog_set_log_file(NULL));
    return 0;
}

/* "reopen DIR": log rotation by rename and reopen, and a reopen that
 * fails because the directory went away. */
static int
do_reopen(int argc, char *argv[])
{
    char *dir, *sub, *sub2, *file, *rotated;
    int error;

    CHECK(argc == 1);
    set_levels_or_die("ANY:console:off");
    dir = argv[0];
    sub = xasprintf("%s/sub", dir);
    sub2 = xasprintf("%s/sub2", dir);
    file = xasprintf("%s/sub/test.log", dir);
    CHECK(vlog_reopen_log_file() == 0);     /* No file: nothing to do. */
    CHECK(!vlog_set_log_file(file));
    VLOG_INFO("one");

    /* What logrotate does: rename, then signal the daemon. */
    rotated = xasprintf("%s.1", file);
    CHECK(!rename(file, rotated));
    VLOG_INFO("two");
    error = vlog_reopen_log_file();
    printf("reopen: %s\n", nfvs_strerror(error));
    VLOG_INFO("three");

    CHECK(!rename(sub, sub2));
    error = vlog_reopen_log_file();
    printf("reopen: %s\n", nfvs_strerror(error));
    VLOG_INFO("four");

    CHECK(!vlog_set_log_file(NULL));
    free(rotated);
    free(file);
    free(sub2);
    free(sub);
    return 0;
}

enum { N_THREADS = 4, N_PER_THREAD = 500 };

static void *
log_thread(void *arg)
{
    int id = (int) (intptr_t) arg;
    int i;

    for (i = 0; i < N_PER_THREAD; i++) {
        VLOG_INFO("thread %d message %d", id, i);
    }
    return NULL;
}

/* "threads FILE": logs from several threads at once and checks that every
 * line is whole and that sequence numbers are consecutive. */
static int
do_threads(int argc, char *argv[])
{
    int next[N_THREADS] = { 0 };
    pthread_t threads[N_THREADS];
    unsigned int expected_seq;
    char line[256];
    int n_lines = 0;
    FILE *file;
    int i;

    CHECK(argc == 1);
    set_levels_or_die("ANY:console:off");
    CHECK(!vlog_set_log_file(argv[0]));
    for (i = 0; i < N_THREADS; i++) {
        CHECK(!pthread_create(&threads[i], NULL, log_thread,
                              (void *) (intptr_t) i));
    }
    for (i = 0; i < N_THREADS; i++) {
        CHECK(!pthread_join(threads[i], NULL));
    }
    CHECK(!vlog_set_log_file(NULL));

    file = fopen(argv[0], "r");
    CHECK(file != NULL);
    /* The first line is "opened log file". */
    CHECK(fgets(line, sizeof line, file));
    CHECK(strstr(line, "|00001|vlog|INFO|opened log file ") != NULL);
    expected_seq = 2;
    while (fgets(line, sizeof line, file)) {
        unsigned int seq;
        int id, msg, n = 0;

        CHECK(strlen(line) > 25 && line[24] == '|');
        CHECK(sscanf(line + 25, "%u|test_vlog|INFO|thread %d message %d%n",
                     &seq, &id, &msg, &n) == 3);
        CHECK(line[25 + n] == '\n');
        CHECK(seq == expected_seq++);
        CHECK(id >= 0 && id < N_THREADS);
        CHECK(msg == next[id]++);
        n_lines++;
    }
    fclose(file);
    CHECK(n_lines == N_THREADS * N_PER_THREAD);
    printf("%d lines ok\n", n_lines);
    return 0;
}

/* "names": level and destination name conversions. */
static int
do_names(int argc, char *argv[])
{
    int level;

    for (level = 0; level < VLL_N_LEVELS; level++) {
        const char *name = vlog_level_to_string(level);

        CHECK(vlog_level_from_string(name) == level);
        printf("%d %s\n", level, name);
    }
    CHECK(vlog_level_from_string("DBG") == VLL_DBG);
    CHECK(vlog_level_from_string("debug") == -1);
    CHECK(vlog_destination_from_string("console") == VLF_CONSOLE);
    CHECK(vlog_destination_from_string("syslog") == VLF_SYSLOG);
    CHECK(vlog_destination_from_string("FILE") == VLF_FILE);
    CHECK(vlog_destination_from_string("any") == -1);
    CHECK(vlog_set_level("no_such_module", -1, VLL_DBG) == ENOENT);
    CHECK(vlog_set_level("test_vlog", VLF_N_DESTINATIONS, VLL_DBG)
          == EINVAL);
    CHECK(vlog_set_level(NULL, VLF_SYSLOG, VLL_DBG) == 0);
    CHECK(this_module.levels[VLF_SYSLOG] == VLL_DBG);
    /* Syslog is not enabled, so its level must not lower the filter. */
    CHECK(this_module.min_level == VLL_INFO);
    CHECK(vlog_set_level(NULL, -1, -1) == EINVAL);

    /* Enabling syslog takes its level into account, and disabling it
     * drops it again.  Nothing is logged here, to keep the host's syslog
     * clean. */
    vlog_set_syslog(true);
    CHECK(this_module.min_level == VLL_DBG);
    CHECK(vlog_is_enabled(&other_module, VLL_DBG));
    vlog_set_syslog(false);
    CHECK(this_module.min_level == VLL_INFO);
    CHECK(!vlog_is_enabled(&other_module, VLL_DBG));
    return 0;
}

static int
test_vlog_main(int argc, char *argv[])
{
    vlog_register_module__(&other_module);
    if (argc < 2) {
        nfvs_fatal(0, "usage: test-vlog set|log|ratelimit|reopen|threads"
                   "|names ARG...");
    }
    if (!strcmp(argv[1], "set")) {
        return do_set(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "log")) {
        return do_log(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "ratelimit")) {
        return do_ratelimit(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "reopen")) {
        return do_reopen(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "threads")) {
        return do_threads(argc - 2, argv + 2);
    } else if (!strcmp(argv[1], "names")) {
        return do_names(argc - 2, argv + 2);
    }
    nfvs_fatal(0, "unknown command \"%s\"", argv[1]);
}

NFVSTEST_REGISTER("test-vlog", test_vlog_main);
