/* I/O faults on the SQLite store: a full disk (RLIMIT_FSIZE in a child),
 * a read-only database file, and a corrupted file (bytes flipped in every
 * page of a small database, one page at a time). Each must give a clear
 * error on open or write, never a crash, and nothing acknowledged that
 * was not stored. Plain exit status; prints the fault counts. */
#include <hcode.h>

#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SUBJ "0123456789abcdef0123456789abcdef"

static char dir[] = "/tmp/hcode-iofault-XXXXXX";

#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
            exit(1);                                                              \
        }                                                                         \
    } while (0)

static int put_n(hcode_store *st, uint32_t from, uint32_t n, uint32_t *acked)
{
    for (uint32_t i = from; i < from + n; i++) {
        char rid[33], venue[64];
        snprintf(rid, sizeof rid, "%08x000000000000000000000000", i);
        snprintf(venue, sizeof venue, "venue-%u-with-a-longer-name-to-fill-pages", i % 50);
        hcode_record r = {.record_id = rid, .subject = SUBJ, .venue_id = venue, .gate = "gate",
                          .at = 1795356000 + i, .kind = HCODE_RECORD_IN, .status = HCODE_GREEN};
        int rc = hcode_store_put(st, &r);
        if (rc)
            return rc;
        if (acked)
            *acked = i + 1;
    }
    return 0;
}

static int count_cb(const hcode_record *r, void *data)
{
    (void)r;
    (*(size_t *)data)++;
    return 0;
}

static int integrity_ok(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *x = NULL;
    int ok = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
             sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &x, NULL) == SQLITE_OK &&
             sqlite3_step(x) == SQLITE_ROW && !strcmp((const char *)sqlite3_column_text(x, 0), "ok");
    sqlite3_finalize(x);
    sqlite3_close(db);
    return ok;
}

/* Full disk: the writer may not grow the files past 1 MiB. */
static void full_disk(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/full.db", dir);
    int p[2];
    CHECK(pipe(p) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN); /* writes fail with EFBIG instead */
        struct rlimit rl = {1024 * 1024, 1024 * 1024};
        setrlimit(RLIMIT_FSIZE, &rl);
        hcode_store *st;
        int rc = hcode_store_open(&st, path);
        if (rc)
            _exit(10);
        uint32_t acked = 0;
        rc = put_n(st, 0, 100000, &acked);
        const char *msg = hcode_store_errmsg(st);
        ssize_t w = write(p[1], &acked, sizeof acked);
        (void)w;
        fprintf(stderr, "full disk: %u acknowledged, then %s (%s)\n", acked, hcode_strerror(rc), msg);
        hcode_store_free(st);
        _exit(rc == HCODE_ESTORE || rc == HCODE_EIO ? 0 : 11);
    }
    close(p[1]);
    uint32_t acked = 0;
    CHECK(read(p[0], &acked, sizeof acked) == sizeof acked);
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(acked > 0);
    /* space again: everything acknowledged is there, the file is sound */
    CHECK(integrity_ok(path));
    hcode_store *st;
    CHECK(hcode_store_open(&st, path) == 0);
    size_t n = 0;
    CHECK(hcode_store_query_subject(st, SUBJ, 0, INT64_MAX, count_cb, &n) == 0);
    CHECK(n >= acked);
    CHECK(put_n(st, 200000, 10, NULL) == 0);
    hcode_store_free(st);
    printf("full disk: %u check-ins acknowledged before the disk filled, %zu stored, writes resume\n", acked, n);
}

/* A new database on a full disk: a clear HCODE_EIO at open, no file
 * left that claims to be a database. */
static void full_disk_at_open(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/new-on-full.db", dir);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {0, 0};
        setrlimit(RLIMIT_FSIZE, &rl);
        hcode_store *st = NULL;
        int rc = hcode_store_open(&st, path);
        fprintf(stderr, "full disk at open: %s\n", hcode_strerror(rc));
        _exit(rc == HCODE_EIO && st == NULL ? 0 : 30);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* with space again, the same path opens as a fresh, sound database */
    hcode_store *st;
    CHECK(hcode_store_open(&st, path) == 0);
    CHECK(put_n(st, 0, 3, NULL) == 0);
    hcode_store_free(st);
    CHECK(integrity_ok(path));
    printf("full disk at open: refused with HCODE_EIO, opens cleanly once there is space\n");
}

/* Read-only file: as another user when run as root (root ignores modes). */
static void read_only(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/ro.db", dir);
    hcode_store *st;
    CHECK(hcode_store_open(&st, path) == 0);
    CHECK(put_n(st, 0, 5, NULL) == 0);
    hcode_store_free(st);
    CHECK(chmod(path, 0444) == 0);
    CHECK(chmod(dir, 0755) == 0);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (getuid() == 0 && setuid(65534) != 0)
            _exit(20);
        int rc = hcode_store_open(&st, path);
        if (rc == 0) {
            /* opened (read access suffices on some systems): writes must fail */
            rc = put_n(st, 100, 1, NULL);
            hcode_store_free(st);
            _exit(rc ? 0 : 21);
        }
        fprintf(stderr, "read-only: open refused: %s\n", hcode_strerror(rc));
        _exit(rc == HCODE_EIO ? 0 : 22);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("read-only file: refused cleanly\n");
}

static int copy_file(const char *from, const char *to, long flip_at)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    if (!a || !b)
        return -1;
    int c;
    long i = 0;
    while ((c = fgetc(a)) != EOF) {
        if (i == flip_at || i == flip_at + 1 || i == flip_at + 7)
            c ^= 0xff;
        fputc(c, b);
        i++;
    }
    fclose(a);
    return fclose(b);
}

/* Corruption: for every page of a small database, bytes of that page
 * flipped in a copy; the library opens it (or refuses), queries and
 * writes without crashing, and gives only 0 or a negative HCODE_E*. */
static void corrupted(void)
{
    char path[128], bad[128];
    snprintf(path, sizeof path, "%s/small.db", dir);
    snprintf(bad, sizeof bad, "%s/bad.db", dir);
    hcode_store *st;
    CHECK(hcode_store_open(&st, path) == 0);
    CHECK(put_n(st, 0, 300, NULL) == 0);
    hcode_store_free(st); /* checkpoints the WAL into the file */
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    long ps = 4096, pages = (long)sb.st_size / ps;
    CHECK(pages >= 4);
    long flipped = 0, refused = 0, detected = 0;
    /* three spots per page: header bytes, the middle, the end */
    long spots[3] = {0, 0, 0};
    for (long pg = 0; pg < pages; pg++) {
        spots[0] = pg * ps + (pg == 0 ? 100 : 0) + 3;
        spots[1] = pg * ps + ps / 2;
        spots[2] = pg * ps + ps - 9;
        for (int k = 0; k < 3; k++) {
            char wal[160], shm[160];
            snprintf(wal, sizeof wal, "%s-wal", bad);
            snprintf(shm, sizeof shm, "%s-shm", bad);
            unlink(wal);
            unlink(shm);
            CHECK(copy_file(path, bad, spots[k]) == 0);
            flipped++;
            int rc = hcode_store_open(&st, bad);
            if (rc) {
                CHECK(rc < 0 && rc >= HCODE_EBUSY);
                refused++;
                continue;
            }
            size_t n = 0;
            int q = hcode_store_query_subject(st, SUBJ, 0, INT64_MAX, count_cb, &n);
            CHECK(q <= 0 && q >= HCODE_EBUSY);
            int w = put_n(st, 1000, 3, NULL);
            CHECK(w <= 0 && w >= HCODE_EBUSY);
            if (q || w || n != 300)
                detected++;
            hcode_store_free(st);
        }
    }
    printf("corruption: %ld pages, %ld flips, %ld refused at open, %ld noticed on query/write, no crash\n", pages,
           flipped, refused, detected);
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    full_disk();
    full_disk_at_open();
    read_only();
    corrupted();
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
