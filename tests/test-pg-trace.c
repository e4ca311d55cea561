/* The same records in SQLite and in PostgreSQL give the same traces; the
 * same messy register imported into both gives the same records. */
#include "pg-server.h"
#include "store-private.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 INT64_C(1795341600) /* 2026-11-22T10:00:00Z */

static char *tmp_file(const char *name)
{
    char *dir = strdup("/tmp/hcode-pgtrace-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    free(dir);
    return p;
}

static hcode_ctx *ctx_with(hcode_store *st, hcode_keypair *audit)
{
    hcode_ctx *ctx;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    ck_assert_int_eq(hcode_ctx_set_audit_key(ctx, audit), 0);
    return ctx;
}

static char *subj(unsigned i, char out[33])
{
    snprintf(out, 33, "%032x", i * 2654435761u);
    return out;
}

START_TEST(traces_identical_to_sqlite)
{
    char *uri = pg_fresh_db();
    char *path = tmp_file("t.db");
    hcode_store *pg, *sq;
    ck_assert_int_eq(hcode_store_open(&pg, uri), 0);
    ck_assert_int_eq(hcode_store_open(&sq, path), 0);
    enum { N = 4000, SUBJ = 150, VEN = 8 };
    static char ids[N][33], subs[N][33], vens[N][16];
    static hcode_record recs[N];
    srand(12345);
    for (int i = 0; i < N; i++) {
        /* gate ids are random: spread them (the SQLite backend keys on the first 8 bytes) */
        uint64_t z = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15u;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        snprintf(ids[i], 33, "%016llx%016x", (unsigned long long)(z ^ (z >> 31)), i + 1);
        subj((unsigned)(rand() % SUBJ), subs[i]);
        snprintf(vens[i], 16, "V%d", rand() % VEN);
        int64_t at = T0 + rand() % (2 * 86400);
        recs[i] = (hcode_record){ids[i], subs[i], vens[i], "", at,
                                 rand() % 3 == 0 ? HCODE_RECORD_OUT : HCODE_RECORD_IN, HCODE_GREEN};
    }
    /* in batches, in a different order for each backend */
    for (int i = 0; i < N; i += 500)
        ck_assert_int_eq(hcode_store_put_batch(pg, recs + i, 500), 0);
    for (int i = N - 500; i >= 0; i -= 500)
        ck_assert_msg(hcode_store_put_batch(sq, recs + i, 500) == 0, "%s", hcode_store_errmsg(sq));
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    hcode_ctx *cp = ctx_with(pg, kp), *cs = ctx_with(sq, kp);
    hcode_keypair_free(kp);
    int compared = 0, nonempty = 0;
    for (unsigned s = 0; s < 25; s++) {
        char sb[33];
        subj(s, sb);
        for (int depth = 1; depth <= 2; depth++) {
            hcode_trace *a = NULL, *b = NULL;
            int ra = hcode_trace_subject(cp, sb, T0, T0 + 2 * 86400, 0, depth, 0, "t", "test", &a);
            int rb = hcode_trace_subject(cs, sb, T0, T0 + 2 * 86400, 0, depth, 0, "t", "test", &b);
            ck_assert_msg(ra == 0, "pg: %s", hcode_errmsg(cp));
            ck_assert_msg(rb == 0, "sqlite: %s", hcode_errmsg(cs));
            char *ja, *jb;
            ck_assert_int_eq(hcode_trace_to_jsonl(a, &ja), 0);
            ck_assert_int_eq(hcode_trace_to_jsonl(b, &jb), 0);
            ck_assert_str_eq(ja, jb);
            ck_assert_uint_eq(hcode_trace_visit_count(a), hcode_trace_visit_count(b));
            nonempty += hcode_trace_count(a) > 0;
            compared++;
            hcode_free(ja);
            hcode_free(jb);
            hcode_trace_free(a);
            hcode_trace_free(b);
        }
    }
    for (int v = 0; v < VEN; v++) {
        char vb[16];
        snprintf(vb, sizeof vb, "V%d", v);
        hcode_trace *a = NULL, *b = NULL;
        ck_assert_int_eq(hcode_trace_venue(cp, vb, T0 + 3600, T0 + 5 * 3600, 0, 0, "t", "test", &a), 0);
        ck_assert_int_eq(hcode_trace_venue(cs, vb, T0 + 3600, T0 + 5 * 3600, 0, 0, "t", "test", &b), 0);
        char *ja, *jb;
        ck_assert_int_eq(hcode_trace_to_jsonl(a, &ja), 0);
        ck_assert_int_eq(hcode_trace_to_jsonl(b, &jb), 0);
        ck_assert_str_eq(ja, jb);
        nonempty += hcode_trace_count(a) > 0;
        hcode_free(ja);
        hcode_free(jb);
        hcode_trace_free(a);
        hcode_trace_free(b);
    }
    ck_assert_int_eq(compared, 50);
    ck_assert_int_gt(nonempty, 30);   /* the comparison is not of empty results */
    hcode_ctx_free(cp);
    hcode_ctx_free(cs);
    free(uri);
    free(path);
}
END_TEST

static const char *cd(const char *s17, char out[19])
{
    static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; i++)
        sum += (s17[i] - '0') * w[i];
    memcpy(out, s17, 17);
    out[17] = "10X98765432"[sum % 11];
    out[18] = '\0';
    return out;
}

START_TEST(identifier_checks)
{
    char b[19];
    int64_t now = 1700000000;
    ck_assert_ptr_null(hcode_identifier_problem("11010519491231002X", now));   /* GB 11643 example */
    ck_assert_ptr_null(hcode_identifier_problem("11010519491231002x", now));
    ck_assert_ptr_null(hcode_identifier_problem(cd("44030419900101123", b), now));
    ck_assert_str_eq(hcode_identifier_problem("110105194912310021", now), "bad_check_digit");
    ck_assert_str_eq(hcode_identifier_problem(cd("11010519491331002", b), now), "bad_birth_date");
    ck_assert_str_eq(hcode_identifier_problem(cd("11010518991231002", b), now), "bad_birth_date");
    ck_assert_str_eq(hcode_identifier_problem(cd("11010520300101002", b), now), "bad_birth_date");
    ck_assert_str_eq(hcode_identifier_problem(cd("11010519900229002", b), now), "bad_birth_date");
    ck_assert_ptr_null(hcode_identifier_problem(cd("11010520000229002", b), now));  /* leap day */
    ck_assert_str_eq(hcode_identifier_problem("11010519491231002", now), "bad_identifier");   /* 17 */
    ck_assert_str_eq(hcode_identifier_problem("1101051949123100211", now), "bad_identifier");
    ck_assert_ptr_null(hcode_identifier_problem("110105491231002", now));   /* 15-digit */
    ck_assert_ptr_null(hcode_identifier_problem("E12345678", now));         /* passport */
    ck_assert_str_eq(hcode_identifier_problem("", now), "missing_identifier");
    ck_assert_str_eq(hcode_identifier_problem("  ", now), "missing_identifier");
    ck_assert_str_eq(hcode_identifier_problem("1101;05", now), "bad_identifier");
}
END_TEST

static long long count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    long long n = 0;
    int c, prev = '\n';
    while ((c = getc(f)) != EOF) {
        n += c == '\n';
        prev = c;
    }
    (void)prev;
    fclose(f);
    return n;
}

struct dump {
    char text[1 << 16];
    size_t len;
};

static int dump_cb(const hcode_record *r, void *data)
{
    struct dump *d = data;
    d->len += (size_t)snprintf(d->text + d->len, sizeof d->text - d->len, "%s %s %s %lld %d\n",
                               r->record_id, r->subject, r->venue_id, (long long)r->at, r->kind);
    return 0;
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sorted(struct dump *d)
{
    char *lines[512];
    int n = 0;
    for (char *p = strtok(d->text, "\n"); p && n < 512; p = strtok(NULL, "\n"))
        lines[n++] = p;
    qsort(lines, (size_t)n, sizeof *lines, cmp_lines);
    static char out[1 << 16];
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s\n", lines[i]);
    memcpy(d->text, out, len + 1);
    d->len = len;
}

/* The messy register: bad check digits, bad times, unknown venues, quoted
 * fields with commas and line breaks, duplicates, BOM, CRLF. */
static const char messy[] =
    "\xef\xbb\xbfidentifier,venue,time_in,time_out\r\n"
    "11010519491231002X,V1,2022-03-05 14:30,2022-03-05 15:10\r\n"          /* ok, 2 records */
    "\"11010519491231002X\",\"V1\",\"2022-03-05 14:30\",\"2022-03-05 15:10\"\r\n" /* duplicate */
    "110105194912310021,V1,2022-03-05 14:30,\r\n"                           /* check digit */
    "11010519491231002X,V404,2022-03-05 14:30,\r\n"                          /* unknown venue */
    "11010519491231002X,V1,2022-03-05 25:30,\r\n"                            /* bad time */
    "11010519491231002X,V1,05/03/2022 14:30,\r\n"                            /* bad format */
    "11010519491231002X,V1,2022-03-05 14:30,2022-03-05 14:00\r\n"          /* out < in */
    "E1234567,\"Mall, \"\"East\"\" gate\",2022-03-05T06:00:00Z,\r\n"         /* quoted venue */
    "E7654321,\"Line\nbreak\",2022-03-05T07:00:00+08:00,\r\n"                /* newline in field */
    "E7654321,V1\r\n"                                                        /* 2 fields */
    "123456789,V1,2022-03-06 09:00,\r\n"                                     /* short number */
    "\r\n"                                                                   /* blank */
    "11010519491231002X,V1,2022-03-06 09:00,,purple\r\n"                     /* bad status */
    "11010519491231002X,V1,2022-03-06 09:00,,red\n";                         /* ok, LF only */

static void run_import(const char *db, const char *csv, const char *venues, const char *rejects,
                       hcode_keypair *kp, uint64_t counts[6])
{
    hcode_store *st;
    ck_assert_int_eq(hcode_store_open(&st, db), 0);
    hcode_import *im;
    ck_assert_int_eq(hcode_import_new(&im, st, kp), 0);
    ck_assert_int_eq(hcode_import_load_venues(im, venues), 0);
    ck_assert_int_eq(hcode_import_set_rejects(im, rejects), 0);
    ck_assert_int_eq(hcode_import_set_batch_rows(im, 3), 0);
    hcode_import_set_now(im, 1700000000);
    ck_assert_msg(hcode_import_csv(im, csv) == 0, "%s", hcode_import_errmsg(im));
    for (int i = 0; i < 6; i++)
        counts[i] = hcode_import_count(im, i);
    hcode_import_free(im);
    hcode_store_free(st);
}

START_TEST(messy_register_both_backends)
{
    char *csv = tmp_file("reg.csv"), *ven = tmp_file("venues.txt"), *rej = tmp_file("rej.csv");
    FILE *f = fopen(csv, "wb");
    fputs(messy, f);
    fclose(f);
    f = fopen(ven, "w");
    fputs("# venue ids\nV1\n\"Mall, \"\"East\"\" gate\"\nLine\n", f);
    fclose(f);
    /* the venues file's quoted field: Mall, "East" gate -- unescaping "" is not
     * done for venue files, so register it directly too */
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    char *uri = pg_fresh_db();
    char *path = tmp_file("imp.db");
    const char *dbs[2] = {uri, path};
    struct dump d[2];
    for (int k = 0; k < 2; k++) {
        hcode_store *st;
        ck_assert_int_eq(hcode_store_open(&st, dbs[k]), 0);
        hcode_import *im;
        ck_assert_int_eq(hcode_import_new(&im, st, kp), 0);
        ck_assert_int_eq(hcode_import_load_venues(im, ven), 0);
        ck_assert_int_eq(hcode_import_add_venue(im, "Mall, \"East\" gate"), 0);
        ck_assert_int_eq(hcode_import_add_venue(im, "Line\nbreak") , HCODE_EINVAL);   /* not text */
        ck_assert_int_eq(hcode_import_set_rejects(im, rej), 0);
        ck_assert_int_eq(hcode_import_set_batch_rows(im, 2), 0);
        hcode_import_set_now(im, 1700000000);
        ck_assert_msg(hcode_import_csv(im, csv) == 0, "%s", hcode_import_errmsg(im));
        ck_assert_int_eq(hcode_import_count(im, HCODE_IMPORT_ROWS), 13);
        ck_assert_int_eq(hcode_import_count(im, HCODE_IMPORT_IMPORTED), 4);
        ck_assert_int_eq(hcode_import_count(im, HCODE_IMPORT_DUPLICATES), 1);
        ck_assert_int_eq(hcode_import_count(im, HCODE_IMPORT_RECORDS), 4);
        ck_assert_int_eq(hcode_import_count(im, HCODE_IMPORT_REJECTED), 9);
        hcode_import_free(im);
        /* header + 9 rejects, the one with a line break spanning two lines */
        ck_assert_int_eq(count_lines(rej), 1 + 9 + 1);
        memset(&d[k], 0, sizeof d[k]);
        char p[33];
        ck_assert_int_eq(hcode_keypair_pseudonym(kp, "11010519491231002x", p, sizeof p), 0);
        ck_assert_int_eq(hcode_store_query_subject(st, p, 0, INT64_MAX, dump_cb, &d[k]), 0);
        ck_assert_int_eq(hcode_keypair_pseudonym(kp, "E1234567", p, sizeof p), 0);
        ck_assert_int_eq(hcode_store_query_subject(st, p, 0, INT64_MAX, dump_cb, &d[k]), 0);
        sorted(&d[k]);
        hcode_store_free(st);
    }
    ck_assert_str_eq(d[0].text, d[1].text);
    ck_assert_ptr_nonnull(strstr(d[0].text, " 1646461800 1\n"));   /* 14:30 +08:00 */
    ck_assert_ptr_nonnull(strstr(d[0].text, " 1646464200 2\n"));   /* 15:10 check-out */
    ck_assert_ptr_nonnull(strstr(d[0].text, "Mall, \"East\" gate 1646460000 1\n"));
    FILE *r = fopen(rej, "r");
    char all[4096] = "";
    size_t n = fread(all, 1, sizeof all - 1, r);
    all[n] = '\0';
    fclose(r);
    static const char *reasons[] = {"bad_check_digit", "unknown_venue", "bad_time_in",
                                    "time_out_before_time_in", "bad_venue", "wrong_field_count",
                                    "bad_identifier", "bad_status"};
    for (size_t i = 0; i < sizeof reasons / sizeof *reasons; i++)
        ck_assert_msg(strstr(all, reasons[i]), "no %s in\n%s", reasons[i], all);
    ck_assert_ptr_nonnull(strstr(all, "\n4,bad_check_digit,\"110105194912310021\""));
    /* importing again stores nothing new */
    uint64_t c2[6];
    run_import(uri, csv, ven, rej, kp, c2);
    ck_assert_int_eq(pg_scalar(uri, "SELECT count(*) FROM hcode_checkin"), 4);
    hcode_keypair_free(kp);
    free(uri);
    free(path);
    free(csv);
    free(ven);
    free(rej);
}
END_TEST

/* A store that fails its second batch: the first stays, the second is not
 * half-stored. */
static int fb_calls, fb_stored;
static int fb_put(void *self, const hcode_record *r) { (void)self; (void)r; fb_stored++; return 0; }
static int fb_batch(void *self, const hcode_record *r, size_t n)
{
    (void)self;
    (void)r;
    if (++fb_calls == 2)
        return HCODE_ESTORE;
    fb_stored += (int)n;
    return 0;
}
static int fb_q(void *self, const char *k, int64_t a, int64_t b, hcode_record_cb cb, void *d)
{
    (void)self; (void)k; (void)a; (void)b; (void)cb; (void)d;
    return 0;
}

START_TEST(failing_batch_stops_import)
{
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ops.put = fb_put;
    ops.put_batch = fb_batch;
    ops.query_subject = fb_q;
    ops.query_venue = fb_q;
    hcode_store *st;
    ck_assert_int_eq(hcode_store_new(&st, &ops, NULL), 0);
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    char *csv = tmp_file("big.csv");
    FILE *f = fopen(csv, "w");
    for (int i = 0; i < 100; i++)
        fprintf(f, "E%07d,V1,2022-03-05 14:%02d,\n", i, i % 60);
    fclose(f);
    hcode_import *im;
    ck_assert_int_eq(hcode_import_new(&im, st, kp), 0);
    hcode_import_allow_any_venue(im, 1);
    ck_assert_int_eq(hcode_import_set_batch_rows(im, 30), 0);
    hcode_import_set_now(im, 1700000000);
    ck_assert_int_eq(hcode_import_csv(im, csv), HCODE_ESTORE);
    ck_assert_int_eq(fb_stored, 30);
    ck_assert_int_eq(hcode_import_count(im, HCODE_IMPORT_IMPORTED), 30);
    ck_assert_int_eq(hcode_import_count(im, HCODE_IMPORT_BATCHES), 1);
    ck_assert_ptr_nonnull(strstr(hcode_import_errmsg(im), "not stored"));
    hcode_import_free(im);
    hcode_store_free(st);
    hcode_keypair_free(kp);
    free(csv);
}
END_TEST

int main(void)
{
    pg_server_start();
    Suite *s = suite_create("pg-trace-import");
    TCase *tc = tcase_create("pg");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, traces_identical_to_sqlite);
    tcase_add_test(tc, identifier_checks);
    tcase_add_test(tc, messy_register_both_backends);
    tcase_add_test(tc, failing_batch_stops_import);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    pg_server_stop();
    return failed ? 1 : 0;
}
