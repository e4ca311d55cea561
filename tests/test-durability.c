/* Kill -9 durability: a writer ingests check-ins into SQLite through the
 * library and reports each record id on a pipe only after
 * hcode_store_put() returned 0 (the acknowledgement). The writer is
 * killed with SIGKILL at a random moment, RUNS times, on the same
 * database. After every kill: every acknowledged check-in is present
 * exactly once, and PRAGMA integrity_check says ok. Every third run
 * ingests in batches (all or none).
 * With "outbox", the same through a gate outbox whose server is away:
 * every check-in is queued in the outbox (hcode_outbox_store_new with no
 * server store) and must survive the kill in it.
 * Usage: test-durability [runs [outbox]] (default 60, SQLite store). */
#include <hcode.h>
#include <hcode/outbox.h>

#include <signal.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SUBJ "5ab1e5ab1e5ab1e5ab1e5ab1e5ab1e00"

static void die(const char *what)
{
    fprintf(stderr, "FAIL: %s\n", what);
    exit(1);
}

static bool use_outbox;

/* The store the writer and the checker use: the SQLite file itself, or a
 * gate outbox over it with the server unreachable (no inner store). */
static int open_store(hcode_store **st, const char *path, hcode_outbox **ob)
{
    *ob = NULL;
    if (!use_outbox)
        return hcode_store_open(st, path);
    int rc = hcode_outbox_open(ob, path);
    if (rc == 0 && (rc = hcode_outbox_store_new(st, *ob, NULL)) != 0) {
        hcode_outbox_free(*ob);
        *ob = NULL;
    }
    return rc;
}

static void close_store(hcode_store *st, hcode_outbox *ob)
{
    hcode_store_free(st);
    hcode_outbox_free(ob);
}

static void writer(const char *path, unsigned run, int fd)
{
    hcode_store *st;
    hcode_outbox *ob;
    if (open_store(&st, path, &ob) != 0)
        _exit(2);
    /* every third run ingests batches of 5 (hcode_store_put_batch: all or
     * none), the others one check-in per put; the outbox queues one by one */
    uint32_t per = run % 3 == 2 && !use_outbox ? 5 : 1;
    for (uint32_t i = 0;; i += per) {
        char rid[5][33];
        hcode_record r[5];
        for (uint32_t k = 0; k < per; k++) {
            snprintf(rid[k], sizeof rid[k], "%08x%08x0000000000000000", run, i + k);
            r[k] = (hcode_record){.record_id = rid[k], .subject = SUBJ, .venue_id = ((i + k) & 1) ? "V-1" : "V-2",
                                  .gate = "g", .at = 1795356000 + i + k, .kind = HCODE_RECORD_IN,
                                  .status = HCODE_GREEN};
        }
        if ((per == 1 ? hcode_store_put(st, r) : hcode_store_put_batch(st, r, per)) != 0)
            _exit(3);
        /* acknowledged: the ids go out only now */
        for (uint32_t k = 0; k < per; k++)
            if (write(fd, rid[k], 32) != 32)
                _exit(4);
    }
}

struct seen {
    char (*ids)[33];
    size_t n, cap;
};

static int collect(const hcode_record *r, void *data)
{
    struct seen *s = data;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->ids = realloc(s->ids, s->cap * sizeof *s->ids);
        if (!s->ids)
            die("out of memory");
    }
    memcpy(s->ids[s->n++], r->record_id, 33);
    return 0;
}

static int cmp(const void *a, const void *b) { return strcmp(a, b); }

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 60;
    use_outbox = argc > 2 && !strcmp(argv[2], "outbox");
    char dir[] = "/tmp/hcode-durable-XXXXXX";
    if (!mkdtemp(dir))
        die("mkdtemp");
    char path[128];
    snprintf(path, sizeof path, "%s/d.db", dir);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    /* the database exists before the first kill (a kill before the
     * writer's open would otherwise leave nothing to check) */
    hcode_store *init;
    hcode_outbox *iob;
    if (open_store(&init, path, &iob) != 0)
        die("create the database");
    close_store(init, iob);
    size_t acked_total = 0, killed = 0;
    char (*acked)[33] = NULL;
    size_t acap = 0;
    for (int run = 0; run < runs; run++) {
        int p[2];
        if (pipe(p))
            die("pipe");
        pid_t pid = fork();
        if (pid < 0)
            die("fork");
        if (pid == 0) {
            close(p[0]);
            writer(path, (unsigned)run, p[1]);
        }
        close(p[1]);
        /* even runs: kill anywhere from the store's opening on; odd runs:
         * only once check-ins flow (after the first acknowledgement) */
        char first[32];
        bool have_first = false;
        if (run & 1) {
            if (read(p[0], first, 32) != 32)
                die("writer died before its first check-in");
            have_first = true;
        }
        struct timespec ts = {0, (long)(rand() % 60000) * 1000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            fprintf(stderr, "run %d: writer exited with status %d before the kill\n", run, status);
            return 1;
        }
        killed++;
        char buf[32];
        ssize_t k;
        for (;;) {
            if (have_first) {
                memcpy(buf, first, 32);
                have_first = false;
                k = 32;
            } else if ((k = read(p[0], buf, 32)) != 32) {
                break;
            }
            if (acked_total == acap) {
                acap = acap ? acap * 2 : 4096;
                acked = realloc(acked, acap * sizeof *acked);
                if (!acked)
                    die("out of memory");
            }
            memcpy(acked[acked_total], buf, 32);
            acked[acked_total++][32] = '\0';
        }
        if (k != 0)
            die("torn acknowledgement on the pipe");
        close(p[0]);

        /* the database after the kill */
        sqlite3 *db;
        if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
            die("sqlite3_open");
        sqlite3_stmt *x;
        if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &x, NULL) != SQLITE_OK ||
            sqlite3_step(x) != SQLITE_ROW || strcmp((const char *)sqlite3_column_text(x, 0), "ok") != 0) {
            fprintf(stderr, "run %d: integrity_check: %s\n", run, x ? (const char *)sqlite3_column_text(x, 0) : "?");
            return 1;
        }
        sqlite3_finalize(x);
        sqlite3_close(db);
        hcode_store *st;
        hcode_outbox *ob;
        if (open_store(&st, path, &ob) != 0)
            die("reopen after kill");
        struct seen s = {0};
        if (hcode_store_query_subject(st, SUBJ, 0, INT64_MAX, collect, &s) != 0)
            die("query");
        close_store(st, ob);
        if (s.n)
            qsort(s.ids, s.n, sizeof *s.ids, cmp);
        for (size_t i = 1; i < s.n; i++)
            if (!strcmp(s.ids[i], s.ids[i - 1])) {
                fprintf(stderr, "run %d: %s stored twice\n", run, s.ids[i]);
                return 1;
            }
        for (size_t i = 0; i < acked_total; i++)
            if (!s.n || !bsearch(acked[i], s.ids, s.n, sizeof *s.ids, cmp)) {
                fprintf(stderr, "run %d: acknowledged check-in %s lost\n", run, acked[i]);
                return 1;
            }
        if (run % 3 == 2 && !use_outbox) { /* batches of 5: never part of one stored */
            char prefix[9];
            snprintf(prefix, sizeof prefix, "%08x", (unsigned)run);
            size_t mine = 0;
            for (size_t i = 0; i < s.n; i++)
                mine += !strncmp(s.ids[i], prefix, 8);
            if (mine % 5) {
                fprintf(stderr, "run %d: %zu check-ins of batches of 5 stored: a partial batch\n", run, mine);
                return 1;
            }
        }
        if (run == runs - 1)
            printf("%s: %d runs, %zu kills, %zu acknowledged check-ins all present once, %zu stored, "
                   "integrity ok\n", use_outbox ? "outbox" : "sqlite", runs, killed, acked_total, s.n);
        free(s.ids);
    }
    free(acked);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
