/* Reverse tracing per tracing.md, on every backend (memory and SQLite):
 * the worked examples, dwell, check-outs, "nobody is in two places",
 * out-of-order records, depth 2, venue traces, minimum overlap, output. */
#include "backends.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T10 INT64_C(1795341600) /* 2026-11-22T10:00:00Z */
#define M 60
#define DAY (24 * 3600)

#ifdef HCODE_TEST_BACKEND_PG
/* the same tests against PostgreSQL (tests/meson.build: trace-pg) */
int factory_pg(hcode_store **out, void *arg);
static int (*const factories[])(hcode_store **, void *) = {factory_pg};
#else
static int (*const factories[])(hcode_store **, void *) = {factory_memory, factory_sqlite};
#endif

static hcode_ctx *setup(int backend)
{
    hcode_ctx *ctx;
    hcode_store *st;
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(factories[backend](&st, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_audit_key(ctx, kp), 0);
    hcode_keypair_free(kp);
    return ctx;
}

static const char *S(char c)
{
    static char buf[8][33];
    static int k;
    char *b = buf[k++ % 8];
    memset(b, c, 32);
    b[32] = '\0';
    return b;
}

static unsigned long idn;

static void put(hcode_ctx *ctx, char subj, const char *venue, int64_t at, int kind)
{
    char id[33];
    snprintf(id, sizeof id, "%032lx", ++idn);
    hcode_record r = {id, S(subj), venue, "", at, kind, HCODE_GREEN};
    ck_assert_int_eq(hcode_store_put(hcode_ctx_store(ctx), &r), 0);
}

static void stay(hcode_ctx *ctx, char subj, const char *venue, int64_t in, int64_t out)
{
    put(ctx, subj, venue, in, HCODE_RECORD_IN);
    if (out)
        put(ctx, subj, venue, out, HCODE_RECORD_OUT);
}

static hcode_trace *trace(hcode_ctx *ctx, char subj, int64_t dwell, int depth, int64_t min_overlap)
{
    hcode_trace *t = NULL;
    int rc = hcode_trace_subject(ctx, S(subj), T10 - DAY, T10 + DAY, dwell, depth, min_overlap, "tester",
                                 "unit test", &t);
    ck_assert_msg(rc == 0, "trace: %s", hcode_errmsg(ctx));
    return t;
}

/* overlap seconds of (subject, venue), -1 when absent */
static int64_t overlap(const hcode_trace *t, char subj, const char *venue, int64_t *start, int *depth)
{
    for (size_t i = 0; i < hcode_trace_count(t); i++)
        if (!strcmp(hcode_trace_contact_subject(t, i), S(subj)) && !strcmp(hcode_trace_contact_venue(t, i), venue)) {
            if (start)
                *start = hcode_trace_contact_start(t, i);
            if (depth)
                *depth = hcode_trace_contact_depth(t, i);
            return hcode_trace_contact_seconds(t, i);
        }
    return -1;
}

/* The table of tracing.md: the case present 10:00-11:00 by check-in and check-out. */
START_TEST(worked_examples)
{
    hcode_ctx *ctx = setup(_i);
    stay(ctx, 'c', "V", T10, T10 + 60 * M);
    stay(ctx, '1', "V", T10 - 30 * M, T10 - 15 * M);   /* 09:30-09:45 none */
    stay(ctx, '2', "V", T10 - 30 * M, T10);            /* 09:30-10:00 touching */
    stay(ctx, '3', "V", T10 - 30 * M, T10 + 12 * M);   /* 09:30-10:12 12 min */
    stay(ctx, '4', "V", T10 + 15 * M, T10 + 17 * M);   /* 10:15-10:17 2 min */
    stay(ctx, '5', "V", T10, T10 + 60 * M);            /* 10:00-11:00 60 min */
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);
    int64_t start;
    int depth;
    ck_assert_int_eq(overlap(t, '1', "V", NULL, NULL), -1);
    ck_assert_int_eq(overlap(t, '2', "V", NULL, NULL), -1);
    ck_assert_int_eq(overlap(t, '3', "V", &start, &depth), 12 * M);
    ck_assert_int_eq(start, T10);
    ck_assert_int_eq(depth, 1);
    ck_assert_int_eq(overlap(t, '4', "V", &start, NULL), 2 * M);
    ck_assert_int_eq(start, T10 + 15 * M);
    ck_assert_int_eq(overlap(t, '5', "V", NULL, NULL), 60 * M);
    ck_assert_int_eq(overlap(t, 'c', "V", NULL, NULL), -1); /* the case is not its own contact */
    ck_assert_uint_eq(hcode_trace_count(t), 3);
    ck_assert_uint_eq(hcode_trace_visit_count(t), 1);
    ck_assert_int_eq(hcode_trace_visit_start(t, 0), T10);
    ck_assert_int_eq(hcode_trace_visit_end(t, 0), T10 + 60 * M);
    /* sorted by overlap_start */
    ck_assert_int_le(hcode_trace_contact_start(t, 0), hcode_trace_contact_start(t, 1));
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(dwell_without_checkout)
{
    hcode_ctx *ctx = setup(_i);
    put(ctx, 'c', "V", T10, HCODE_RECORD_IN);              /* case: 10:00 + dwell */
    put(ctx, 'a', "V", T10 + 45 * M, HCODE_RECORD_IN);     /* a: 10:45 + dwell */
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);              /* default dwell 1h */
    ck_assert_int_eq(overlap(t, 'a', "V", NULL, NULL), 15 * M);
    hcode_trace_free(t);
    t = trace(ctx, 'c', 30 * M, 1, 0);                      /* --dwell 30m */
    ck_assert_int_eq(overlap(t, 'a', "V", NULL, NULL), -1);
    hcode_trace_free(t);
    t = trace(ctx, 'c', 2 * 3600, 1, 0);                    /* --dwell 2h: 10:45-12:00 */
    ck_assert_int_eq(overlap(t, 'a', "V", NULL, NULL), 75 * M);
    hcode_trace_free(t);
    /* a policy's dwell is the default */
    hcode_policy *p;
    ck_assert_int_eq(hcode_policy_new(&p), 0);
    ck_assert_int_eq(hcode_policy_set_dwell(p, 50 * M), 0);
    ck_assert_int_eq(hcode_ctx_set_policy(ctx, p), 0);
    t = trace(ctx, 'c', 0, 1, 0);
    ck_assert_int_eq(overlap(t, 'a', "V", NULL, NULL), 5 * M);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(checkouts)
{
    hcode_ctx *ctx = setup(_i);
    stay(ctx, 'c', "V", T10, 0);
    stay(ctx, 'a', "V", T10 + 10 * M, T10 + 20 * M);        /* left after 10 min */
    put(ctx, 'b', "V", T10 + 5 * M, HCODE_RECORD_OUT);       /* check-out without presence: nothing */
    put(ctx, 'd', "W", T10 + 5 * M, HCODE_RECORD_IN);        /* d at W ... */
    put(ctx, 'd', "V", T10 + 6 * M, HCODE_RECORD_OUT);       /* ... a check-out at V ends nothing at W */
    put(ctx, 'd', "V", T10 + 30 * M, HCODE_RECORD_IN);       /* d at V from 10:30 (W ended) */
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);
    ck_assert_int_eq(overlap(t, 'a', "V", NULL, NULL), 10 * M);
    ck_assert_int_eq(overlap(t, 'b', "V", NULL, NULL), -1);
    ck_assert_int_eq(overlap(t, 'd', "V", NULL, NULL), 30 * M);
    ck_assert_uint_eq(hcode_trace_count(t), 2);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(nobody_in_two_places)
{
    hcode_ctx *ctx = setup(_i);
    stay(ctx, 'c', "V", T10, T10 + 60 * M);
    put(ctx, 'a', "V", T10, HCODE_RECORD_IN);
    put(ctx, 'a', "W", T10 + 20 * M, HCODE_RECORD_IN);       /* a's presence at V ends at 10:20 */
    /* the case moves on too: its own next check-in ends its visit */
    put(ctx, 'c', "W", T10 + 90 * M, HCODE_RECORD_IN);       /* case at W 11:30-12:30 */
    put(ctx, 'b', "W", T10 + 80 * M, HCODE_RECORD_IN);       /* b at W 11:20-12:20 -> 50 min */
    put(ctx, 'c', "X", T10 + 100 * M, HCODE_RECORD_IN);      /* case leaves W at 11:40 -> b 10 min */
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);
    ck_assert_int_eq(overlap(t, 'a', "V", NULL, NULL), 20 * M);
    ck_assert_int_eq(overlap(t, 'a', "W", NULL, NULL), -1);
    ck_assert_int_eq(overlap(t, 'b', "W", NULL, NULL), 10 * M);
    ck_assert_uint_eq(hcode_trace_visit_count(t), 3);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

/* Records that arrive late (an offline gate syncing) change the answer. */
START_TEST(out_of_order)
{
    hcode_ctx *ctx = setup(_i);
    put(ctx, 'a', "W", T10 + 30 * M, HCODE_RECORD_IN);       /* later record first */
    put(ctx, 'c', "V", T10 + 50 * M, HCODE_RECORD_OUT);
    put(ctx, 'a', "V", T10 + 10 * M, HCODE_RECORD_IN);
    put(ctx, 'c', "V", T10, HCODE_RECORD_IN);
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);
    ck_assert_int_eq(overlap(t, 'a', "V", NULL, NULL), 20 * M); /* 10:10-10:30 */
    hcode_trace_free(t);
    /* a backfilled check-out of a at V at 10:15 shortens it */
    put(ctx, 'a', "V", T10 + 15 * M, HCODE_RECORD_OUT);
    t = trace(ctx, 'c', 0, 1, 0);
    ck_assert_int_eq(overlap(t, 'a', "V", NULL, NULL), 5 * M);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(sums_per_venue)
{
    hcode_ctx *ctx = setup(_i);
    stay(ctx, 'c', "V", T10, T10 + 10 * M);
    stay(ctx, 'c', "V", T10 + 30 * M, T10 + 40 * M);
    stay(ctx, 'a', "V", T10 + 5 * M, T10 + 35 * M);           /* 5 + 5 minutes */
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);
    int64_t start;
    ck_assert_int_eq(overlap(t, 'a', "V", &start, NULL), 10 * M);
    ck_assert_int_eq(start, T10 + 5 * M);
    ck_assert_uint_eq(hcode_trace_count(t), 1);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(min_overlap)
{
    hcode_ctx *ctx = setup(_i);
    stay(ctx, 'c', "V", T10, T10 + 60 * M);
    stay(ctx, 'a', "V", T10 + 15 * M, T10 + 17 * M);
    stay(ctx, 'b', "V", T10 + 15 * M, T10 + 30 * M);
    stay(ctx, 'd', "V", T10 + 59 * M + 59, T10 + 70 * M);     /* 1 second */
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);
    ck_assert_uint_eq(hcode_trace_count(t), 3);
    ck_assert_int_eq(overlap(t, 'd', "V", NULL, NULL), 1);
    hcode_trace_free(t);
    t = trace(ctx, 'c', 0, 1, 5 * M);
    ck_assert_uint_eq(hcode_trace_count(t), 1);
    ck_assert_int_eq(overlap(t, 'b', "V", NULL, NULL), 15 * M);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(depth_two)
{
    hcode_ctx *ctx = setup(_i);
    stay(ctx, 'c', "V", T10, T10 + 60 * M);
    stay(ctx, 'a', "V", T10 + 30 * M, T10 + 60 * M);          /* depth 1 at V from 10:30 */
    stay(ctx, 'e', "V", T10 + 40 * M, T10 + 50 * M);          /* depth 1 */
    stay(ctx, 'b', "V", T10 + 10 * M, T10 + 20 * M);          /* depth 1 too, met a? no: before a came */
    stay(ctx, 'a', "W", T10 + 120 * M, T10 + 180 * M);        /* a at W 12:00-13:00 */
    stay(ctx, '8', "W", T10 + 150 * M, 0);                    /* 8: depth 2, 30 min */
    stay(ctx, 'e', "W", T10 + 130 * M, T10 + 140 * M);        /* e met a at W: already depth 1 */
    stay(ctx, '9', "U", T10 - 120 * M, T10 - 60 * M);         /* a at U before meeting the case: */
    stay(ctx, 'a', "U", T10 - 120 * M, T10 - 60 * M);         /* outside [overlap_start, to) */
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);
    ck_assert_int_eq(overlap(t, '8', "W", NULL, NULL), -1);
    size_t n1 = hcode_trace_count(t);
    hcode_trace_free(t);
    t = trace(ctx, 'c', 0, 2, 0);
    int depth;
    int64_t start;
    ck_assert_int_eq(overlap(t, '8', "W", &start, &depth), 30 * M);
    ck_assert_int_eq(depth, 2);
    ck_assert_int_eq(start, T10 + 150 * M);
    ck_assert_int_eq(overlap(t, 'e', "W", NULL, NULL), -1);
    ck_assert_int_eq(overlap(t, 'c', "V", NULL, NULL), -1); /* a met the case at V: depth 0 not repeated */
    ck_assert_int_eq(overlap(t, '9', "U", NULL, NULL), -1);
    ck_assert_int_eq(overlap(t, 'e', "V", NULL, &depth), 10 * M);
    ck_assert_int_eq(depth, 1);
    ck_assert_uint_eq(hcode_trace_count(t), n1 + 1);
    /* depth-1 results come first */
    ck_assert_int_eq(hcode_trace_contact_depth(t, hcode_trace_count(t) - 1), 2);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(venue_trace)
{
    hcode_ctx *ctx = setup(_i);
    stay(ctx, 'a', "V", T10 - 30 * M, T10 + 30 * M);
    stay(ctx, 'b', "V", T10 + 50 * M, 0);                     /* 10:50-11:50 */
    stay(ctx, 'd', "V", T10 - 90 * M, T10 - 10 * M);          /* before the window */
    stay(ctx, 'e', "W", T10, T10 + 30 * M);                   /* elsewhere */
    hcode_trace *t = NULL;
    ck_assert_int_eq(hcode_trace_venue(ctx, "V", T10, T10 + 60 * M, 0, 0, "tester", "outbreak", &t), 0);
    ck_assert_uint_eq(hcode_trace_count(t), 2);
    int64_t start;
    ck_assert_int_eq(overlap(t, 'a', "V", &start, NULL), 30 * M);
    ck_assert_int_eq(start, T10);
    ck_assert_int_eq(overlap(t, 'b', "V", &start, NULL), 10 * M);
    ck_assert_int_eq(start, T10 + 50 * M);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(outputs)
{
    hcode_ctx *ctx = setup(_i);
    stay(ctx, 'c', "=HYPERLINK(\"x\")", T10, T10 + 60 * M);
    stay(ctx, 'a', "=HYPERLINK(\"x\")", T10, T10 + 60 * M);
    stay(ctx, 'c', "-venue,2", T10 + 61 * M, T10 + 70 * M);
    stay(ctx, 'b', "-venue,2", T10 + 61 * M, T10 + 70 * M);
    hcode_trace *t = trace(ctx, 'c', 0, 1, 0);
    char *csv = NULL, *jl = NULL;
    ck_assert_int_eq(hcode_trace_to_csv(t, &csv), 0);
    ck_assert_ptr_nonnull(strstr(csv, "subject,venue_id,overlap_start,overlap_seconds,depth\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, ",\"'=HYPERLINK(\"\"x\"\")\",1795341600,3600,1\r\n"));
    ck_assert_ptr_nonnull(strstr(csv, ",\"'-venue,2\","));
    ck_assert_ptr_null(strstr(csv, ",=")); /* no cell starts with = */
    ck_assert_int_eq(hcode_trace_to_jsonl(t, &jl), 0);
    char want[256];
    snprintf(want, sizeof want,
             "{\"subject\":\"%s\",\"venue_id\":\"=HYPERLINK(\\\"x\\\")\",\"overlap_start\":1795341600,"
             "\"overlap_seconds\":3600,\"depth\":1}\n", S('a'));
    ck_assert_ptr_nonnull(strstr(jl, want));
    hcode_free(csv);
    hcode_free(jl);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(refused_without_audit)
{
    hcode_ctx *ctx;
    hcode_store *st;
    hcode_trace *t = (hcode_trace *)1;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(factories[_i](&st, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    /* no audit key: refused */
    ck_assert_int_eq(hcode_trace_subject(ctx, S('c'), 0, 10, 0, 1, 0, "op", "why", &t), HCODE_EAUDIT);
    ck_assert_ptr_null(t);
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_audit_key(ctx, kp), 0);
    hcode_keypair_free(kp);
    /* no operator or purpose: refused */
    ck_assert_int_eq(hcode_trace_subject(ctx, S('c'), 0, 10, 0, 1, 0, "", "why", &t), HCODE_EINVAL);
    ck_assert_int_eq(hcode_trace_subject(ctx, S('c'), 0, 10, 0, 1, 0, "op", NULL, &t), HCODE_EINVAL);
    ck_assert_int_eq(hcode_trace_venue(ctx, "V", 0, 10, 0, 0, NULL, "why", &t), HCODE_EINVAL);
    /* bad arguments */
    ck_assert_int_eq(hcode_trace_subject(ctx, "xyz", 0, 10, 0, 1, 0, "op", "why", &t), HCODE_EINVAL);
    ck_assert_int_eq(hcode_trace_subject(ctx, S('c'), 0, 10, 0, 3, 0, "op", "why", &t), HCODE_EINVAL);
    ck_assert_int_eq(hcode_trace_subject(ctx, S('c'), 10, 10, 0, 1, 0, "op", "why", &t), HCODE_EINVAL);
    ck_assert_int_eq(hcode_trace_subject(ctx, S('c'), 0, 10, 0, 1, 0, "op", "why", &t), 0);
    hcode_trace_free(t);
    hcode_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace");
    TCase *tc = tcase_create("trace");
    int nb = (int)(sizeof factories / sizeof factories[0]);
    tcase_add_loop_test(tc, worked_examples, 0, nb);
    tcase_add_loop_test(tc, dwell_without_checkout, 0, nb);
    tcase_add_loop_test(tc, checkouts, 0, nb);
    tcase_add_loop_test(tc, nobody_in_two_places, 0, nb);
    tcase_add_loop_test(tc, out_of_order, 0, nb);
    tcase_add_loop_test(tc, sums_per_venue, 0, nb);
    tcase_add_loop_test(tc, min_overlap, 0, nb);
    tcase_add_loop_test(tc, depth_two, 0, nb);
    tcase_add_loop_test(tc, venue_trace, 0, nb);
    tcase_add_loop_test(tc, outputs, 0, nb);
    tcase_add_loop_test(tc, refused_without_audit, 0, nb);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
