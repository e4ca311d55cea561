/* Allocation-failure sweep over the rest of the public API: trust and
 * revocation lists, presentations, policies, stores (memory and SQLite),
 * check-in, tracing, audit, QR render and scan. For N = 0, 1, 2, ... the
 * N-th allocation fails until the call succeeds; each failure is a clean
 * HCODE_ENOMEM, leaves no output and no half-written state behind, and
 * leaks nothing (LeakSanitizer in the sanitizer build). */
#include "hcode-private.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc-fail.h"

#define T0 INT64_C(1795356000)
#define SUBJ "0123456789abcdef0123456789abcdef"

static hcode_ctx *ctx;
static hcode_keypair *kp, *holder;
static char *person_code, *venue_code, *held_code;
static char dir[64];

static void setup(void)
{
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-370100"), 0);
    ck_assert_int_eq(hcode_keypair_generate(&holder, "CN-370100"), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(ctx, kp), 0);
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "370102199003077777", HCODE_GREEN, T0, 0, "张*三", 0, NULL,
                                        &person_code), 0);
    uint8_t hpk[32];
    hcode_keypair_public_key(holder, hpk);
    ck_assert_int_eq(hcode_issue_person(ctx, kp, "370102199003078888", HCODE_GREEN, T0, 0, NULL, 0, hpk,
                                        &held_code), 0);
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "v1", "Venue", NULL, "mall", T0, 0, &venue_code), 0);
    strcpy(dir, "/tmp/hcode-alloc-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    hcode_free(person_code);
    hcode_free(held_code);
    hcode_free(venue_code);
    hcode_keypair_free(kp);
    hcode_keypair_free(holder);
    hcode_ctx_free(ctx);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static int count_cb(const hcode_record *r, void *data)
{
    (void)r;
    (*(size_t *)data)++;
    return 0;
}

static size_t count_venue(hcode_store *st, const char *venue)
{
    size_t n = 0;
    int rc = hcode_store_query_venue(st, venue, 0, INT64_MAX, count_cb, &n);
    ck_assert_msg(rc == 0, "query: %d %s", rc, hcode_store_errmsg(st));
    return n;
}

START_TEST(sweep_trustlist)
{
    hcode_trust_entry e;
    memset(&e, 0, sizeof e);
    strcpy(e.region, "CN-370100");
    hcode_keypair_public_key(kp, e.public_key);
    e.usage = HCODE_USAGE_ALL;
    char *list = (char *)1;
    SWEEP(hcode_trustlist_sign(ctx, kp, &e, 1, T0, 0, &list), (void)0, ck_assert_ptr_null(list));
    uint8_t root[32];
    hcode_keypair_public_key(kp, root);
    hcode_ctx *c;
    ck_assert_int_eq(hcode_ctx_new(&c), 0);
    /* a failed load leaves the previous trust (none) in place */
    SWEEP(hcode_trustlist_load(c, list, strlen(list), root, T0), (void)0,
          ck_assert_uint_eq(hcode_trust_count(c), 0));
    ck_assert_uint_eq(hcode_trust_count(c), 1);
    char path[128];
    snprintf(path, sizeof path, "%s/list", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(list, f);
    ck_assert_int_eq(fclose(f), 0);
    hcode_ctx_free(c);
    ck_assert_int_eq(hcode_ctx_new(&c), 0);
    SWEEP(hcode_trustlist_load_file(c, path, root, T0), (void)0, ck_assert_uint_eq(hcode_trust_count(c), 0));
    ck_assert_uint_eq(hcode_trust_count(c), 1);
    hcode_ctx_free(c);
    hcode_free(list);
}
END_TEST

START_TEST(sweep_revocation)
{
    uint8_t id[8];
    SWEEP(hcode_code_id(ctx, kp, person_code, strlen(person_code), id), (void)0, (void)0);
    char *rl = (char *)1;
    SWEEP(hcode_revocation_sign(ctx, kp, id, 1, T0, &rl), (void)0, ck_assert_ptr_null(rl));
    SWEEP(hcode_revocation_load(ctx, rl, strlen(rl), T0 + 10), (void)0,
          ck_assert_uint_eq(hcode_revocation_count(ctx), 0));
    ck_assert_uint_eq(hcode_revocation_count(ctx), 1);
    /* the verdict after loading: revoked */
    hcode_verdict *v = NULL;
    ck_assert_int_eq(hcode_verify(ctx, person_code, strlen(person_code), T0 + 20, &v), 0);
    ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_REVOKED);
    hcode_verdict_free(v);
    SWEEP(hcode_verify(ctx, person_code, strlen(person_code), T0 + 20, &v),
          { ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_REVOKED); hcode_verdict_free(v); },
          ck_assert_ptr_null(v));
    hcode_free(rl);
}
END_TEST

START_TEST(sweep_present)
{
    char *d = (char *)1;
    SWEEP(hcode_present(ctx, holder, held_code, strlen(held_code), T0 + 5, &d), (void)0, ck_assert_ptr_null(d));
    hcode_verdict *v = (hcode_verdict *)1;
    SWEEP(hcode_verify(ctx, d, strlen(d), T0 + 6, &v),
          { ck_assert_int_eq(hcode_verdict_code(v), HCODE_V_VALID); hcode_verdict_free(v); },
          ck_assert_ptr_null(v));
    ck_assert_int_eq(hcode_verify(ctx, d, strlen(d), T0 + 6, &v), 0);
    SWEEP(hcode_presentation_consume(ctx, v), (void)0, (void)0);
    hcode_verdict_free(v);
    hcode_free(d);
}
END_TEST

START_TEST(sweep_policy)
{
    static const char text[] = "{\"admit\":[\"green\",\"yellow\"],\"printed\":\"manual\",\"max_code_age\":\"24h\","
                               "\"dwell\":\"2h\"}";
    hcode_policy *p = (hcode_policy *)1;
    /* jansson reports an allocation failure inside its parser as a syntax
     * error (json_error_code() does not say out_of_memory in the jansson
     * Debian ships), so a policy parsed under memory pressure may be
     * refused as HCODE_EFORMAT: a clean refusal, no policy returned. */
    also_ok = HCODE_EFORMAT;
    SWEEP(hcode_policy_parse(ctx, text, strlen(text), &p),
          { ck_assert_int_eq(hcode_policy_dwell(p), 7200); hcode_policy_free(p); }, ck_assert_ptr_null(p));
    char path[128];
    snprintf(path, sizeof path, "%s/policy.json", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    SWEEP(hcode_policy_load(ctx, path, &p),
          { ck_assert_int_eq(hcode_policy_printed(p), HCODE_PRINTED_MANUAL); hcode_policy_free(p); },
          ck_assert_ptr_null(p));
    also_ok = HCODE_ENOMEM;
    SWEEP(hcode_policy_new(&p), hcode_policy_free(p), ck_assert_ptr_null(p));
}
END_TEST

static void sweep_store(const char *uri)
{
    hcode_store *st = (hcode_store *)1;
    SWEEP(hcode_store_open(&st, uri), hcode_store_free(st), ck_assert_ptr_null(st));
    ck_assert_int_eq(hcode_store_open(&st, uri), 0);
    hcode_record r = {.record_id = "00112233445566778899aabbccddeeff", .subject = SUBJ, .venue_id = "v1",
                      .gate = "g1", .at = T0, .kind = HCODE_RECORD_IN, .status = HCODE_GREEN};
    /* a failed put stores nothing; the successful one stores it once */
    SWEEP(hcode_store_put(st, &r), (void)0, ck_assert_uint_eq(count_venue(st, "v1"), 0));
    ck_assert_uint_eq(count_venue(st, "v1"), 1);
    hcode_record b[3] = {r, r, r};
    b[0].record_id = "10112233445566778899aabbccddeeff";
    b[1].record_id = "20112233445566778899aabbccddeeff";
    b[2].record_id = "30112233445566778899aabbccddeeff";
    b[0].venue_id = b[1].venue_id = b[2].venue_id = "v2";
    b[2].gate = "g2";
    /* a batch is all or nothing */
    SWEEP(hcode_store_put_batch(st, b, 3), (void)0, ck_assert_uint_eq(count_venue(st, "v2"), 0));
    ck_assert_uint_eq(count_venue(st, "v2"), 3);
    size_t cnt = 0;
    SWEEP((cnt = 0, hcode_store_query_venue(st, "v2", 0, INT64_MAX, count_cb, &cnt)),
          ck_assert_uint_eq(cnt, 3), (void)0);
    SWEEP((cnt = 0, hcode_store_query_subject(st, SUBJ, 0, INT64_MAX, count_cb, &cnt)),
          ck_assert_uint_eq(cnt, 4), (void)0);
    hcode_store_free(st);
}

START_TEST(sweep_store_memory)
{
    sweep_store(":memory:");
}
END_TEST

START_TEST(sweep_store_sqlite)
{
    char uri[128];
    snprintf(uri, sizeof uri, "%s/s.db", dir);
    sweep_store(uri);
    /* opening an existing database under memory pressure */
    hcode_store *st = (hcode_store *)1;
    SWEEP(hcode_store_open(&st, uri), { ck_assert_uint_eq(count_venue(st, "v2"), 3); hcode_store_free(st); },
          ck_assert_ptr_null(st));
}
END_TEST

static void checkin_on(const char *uri)
{
    ck_assert_int_eq(hcode_ctx_open_store(ctx, uri), 0);
    hcode_admission *a = (hcode_admission *)1;
    /* a failure may come before or after the record is stored (the
     * allocation of the admission itself can fail last); what matters is
     * that nothing is acknowledged that was not stored and no admission
     * is returned with the error */
    /* Both codes are valid, so memory pressure must never turn into a
     * denial: verification that runs out of memory is HCODE_ENOMEM. */
    size_t before = count_venue(hcode_ctx_store(ctx), "v1");
    long denials = 0;
    SWEEP(hcode_checkin(ctx, person_code, venue_code, "gate-1", T0 + 60, &a),
          {
              size_t now = count_venue(hcode_ctx_store(ctx), "v1");
              if (hcode_admission_admitted(a)) {
                  /* + 1, or + 2 when an earlier run that answered
                   * ENOMEM had stored its record already (SQLite can run
                   * out of memory after its commit): stored without an
                   * acknowledgement is allowed, the reverse is not */
                  ck_assert_uint_gt(now, before);
                  before = now;
              } else {
                  ck_assert_uint_eq(now, before);
                  denials++;
              }
              hcode_admission_free(a);
          },
          ck_assert_ptr_null(a));
    ck_assert_int_eq(denials, 0);
    ck_assert_uint_ge(before, 1);
    ck_assert_uint_ge(count_venue(hcode_ctx_store(ctx), "v1"), 1);
    char *json = (char *)1;
    ck_assert_int_eq(hcode_checkin(ctx, person_code, venue_code, "gate-1", T0 + 61, &a), 0);
    SWEEP(hcode_admission_to_json(a, &json), hcode_free(json), ck_assert_ptr_null(json));
    hcode_admission_free(a);
    SWEEP(hcode_checkout(ctx, person_code, venue_code, "gate-1", T0 + 120, &a), hcode_admission_free(a),
          ck_assert_ptr_null(a));
}

START_TEST(sweep_checkin_memory)
{
    checkin_on(":memory:");
}
END_TEST

START_TEST(sweep_checkin_sqlite)
{
    char uri[128];
    snprintf(uri, sizeof uri, "%s/c.db", dir);
    checkin_on(uri);
}
END_TEST

static void trace_on(const char *uri)
{
    ck_assert_int_eq(hcode_ctx_open_store(ctx, uri), 0);
    ck_assert_int_eq(hcode_ctx_set_audit_key(ctx, kp), 0);
    hcode_store *st = hcode_ctx_store(ctx);
    static const char *subj[3] = {SUBJ, "11111111111111111111111111111111", "22222222222222222222222222222222"};
    static const char *rid[3] = {"a0000000000000000000000000000001", "a0000000000000000000000000000002",
                                 "a0000000000000000000000000000003"};
    for (int i = 0; i < 3; i++) {
        hcode_record r = {.record_id = rid[i], .subject = subj[i], .venue_id = i == 2 ? "v2" : "v1",
                          .gate = "", .at = T0 + 10 * i, .kind = HCODE_RECORD_IN, .status = HCODE_GREEN};
        ck_assert_int_eq(hcode_store_put(st, &r), 0);
    }
    hcode_trace *t = (hcode_trace *)1;
    /* A trace reads the last audit entry back with jansson, which reports
     * an allocation failure inside its parser as a syntax error: that
     * entry then looks damaged and the query is refused as HCODE_EAUDIT.
     * Still a clean refusal, and the chain stays intact (see audit_on). */
    also_ok = HCODE_EAUDIT;
    SWEEP(hcode_trace_subject(ctx, SUBJ, T0 - 100, T0 + 3600, 3600, 2, 0, "alice", "case 1", &t),
          { ck_assert_uint_eq(hcode_trace_count(t), 1); hcode_trace_free(t); }, ck_assert_ptr_null(t));
    SWEEP(hcode_trace_venue(ctx, "v1", T0 - 100, T0 + 3600, 3600, 0, "alice", "case 2", &t),
          { ck_assert_uint_eq(hcode_trace_count(t), 2); hcode_trace_free(t); }, ck_assert_ptr_null(t));
    ck_assert_int_eq(hcode_trace_subject(ctx, SUBJ, T0 - 100, T0 + 3600, 3600, 2, 0, "alice", "case", &t), 0);
    char *out = (char *)1;
    SWEEP(hcode_trace_to_jsonl(t, &out), hcode_free(out), ck_assert_ptr_null(out));
    SWEEP(hcode_trace_to_csv(t, &out), hcode_free(out), ck_assert_ptr_null(out));
    hcode_trace_free(t);
}

START_TEST(sweep_trace_memory)
{
    trace_on(":memory:");
}
END_TEST

START_TEST(sweep_trace_sqlite)
{
    char uri[128];
    snprintf(uri, sizeof uri, "%s/t.db", dir);
    trace_on(uri);
}
END_TEST

static void audit_on(const char *uri)
{
    ck_assert_int_eq(hcode_ctx_open_store(ctx, uri), 0);
    ck_assert_int_eq(hcode_ctx_set_audit_key(ctx, kp), 0);
    uint8_t pk[32];
    hcode_keypair_public_key(kp, pk);
    hcode_audit_report *r = (hcode_audit_report *)1;
    also_ok = HCODE_EAUDIT; /* see trace_on */
    for (int i = 0; i < 3; i++) {
        /* a failed append leaves an intact chain behind */
        SWEEP(hcode_audit_append(ctx, "alice", "case", "trace x", (uint64_t)i), (void)0, {
            hcode_audit_report *chk = NULL;
            ck_assert_int_eq(hcode_audit_verify(ctx, pk, &chk), 0);
            ck_assert_msg(hcode_audit_report_ok(chk), "%s", hcode_audit_report_problem(chk));
            ck_assert_uint_eq(hcode_audit_report_entries(chk), (uint64_t)i);
            hcode_audit_report_free(chk);
        });
    }
    SWEEP(hcode_audit_verify(ctx, pk, &r),
          {
              /* jansson cannot tell a parser allocation failure from a
               * damaged line, so under memory pressure the report may
               * say "not intact" (a false alarm, never a false "intact");
               * without an injected failure it must be intact */
              if (failures == 0 || hcode_audit_report_ok(r)) {
                  ck_assert(hcode_audit_report_ok(r));
                  ck_assert_uint_eq(hcode_audit_report_entries(r), 3);
              }
              hcode_audit_report_free(r);
          },
          ck_assert_ptr_null(r));
    uint64_t removed = 0;
    SWEEP(hcode_purge(ctx, T0, "alice", "retention", &removed), (void)0, (void)0);
}

START_TEST(sweep_audit_memory)
{
    audit_on(":memory:");
}
END_TEST

START_TEST(sweep_audit_sqlite)
{
    char uri[128];
    snprintf(uri, sizeof uri, "%s/a.db", dir);
    audit_on(uri);
}
END_TEST

START_TEST(sweep_qr_render)
{
    /* the library never prints, also when libpng fails: stderr goes to a
     * file that must stay empty */
    char errpath[128];
    snprintf(errpath, sizeof errpath, "%s/stderr", dir);
    fflush(stderr);
    int saved = dup(2);
    FILE *ef = fopen(errpath, "w");
    ck_assert_ptr_nonnull(ef);
    ck_assert_int_ge(dup2(fileno(ef), 2), 0);
    uint8_t *out = (uint8_t *)1;
    size_t len = 0;
    int fmts[3] = {HCODE_QR_PNG, HCODE_QR_SVG, HCODE_QR_TXT};
    for (int i = 0; i < 3; i++)
        SWEEP(hcode_qr_render(ctx, person_code, strlen(person_code), fmts[i], 2, HCODE_QR_ECC_M, &out, &len),
              hcode_free(out), ck_assert_ptr_null(out));
    int size = 0;
    SWEEP(hcode_qr_matrix(ctx, person_code, strlen(person_code), HCODE_QR_ECC_M, &out, &size), hcode_free(out),
          ck_assert_ptr_null(out));
    SWEEP(hcode_qr_render_gray(ctx, person_code, strlen(person_code), 3, HCODE_QR_ECC_M, &out, &size),
          hcode_free(out), ck_assert_ptr_null(out));
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fclose(ef);
    struct stat st;
    ck_assert_int_eq(stat(errpath, &st), 0);
    ck_assert_msg(st.st_size == 0, "something printed to stderr while rendering");
}
END_TEST

/* Scanning itself is not swept: zbar 0.23 does not check its own
 * allocations (zbar_decoder_create() and zbar_image_create() dereference
 * unchecked calloc results, the latter on every scan), so a failing
 * allocation inside zbar crashes the process whatever the library does;
 * and zxing-cpp's std::bad_alloc needs memory to unwind. What is swept:
 * everything after the decoders, on a real scan result. */
START_TEST(sweep_qr_scan_result)
{
    uint8_t *pix = NULL;
    int w = 0;
    ck_assert_int_eq(hcode_qr_render_gray(ctx, venue_code, strlen(venue_code), 3, HCODE_QR_ECC_M, &pix, &w), 0);
    hcode_scan_result *r = NULL;
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, pix, w, w, w, T0 + 5, &r), 0);
    ck_assert_uint_eq(hcode_scan_result_count(r), 1);
    char *json = (char *)1;
    SWEEP(hcode_scan_result_to_json(r, 0, "frame", &json), hcode_free(json), ck_assert_ptr_null(json));
    hcode_scan_result_free(r);
    hcode_free(pix);
}
END_TEST

/* Setters and the remaining file readers. */
START_TEST(sweep_ctx_setters_and_files)
{
    hcode_ctx *c;
    ck_assert_int_eq(hcode_ctx_new(&c), 0);
    SWEEP(hcode_ctx_set_audit_key(c, kp), (void)0, (void)0);
    char head[128];
    snprintf(head, sizeof head, "%s/audit-head", dir);
    SWEEP(hcode_ctx_set_audit_head_file(c, head), (void)0, (void)0);
    SWEEP(hcode_ctx_set_freshness(c, 30), (void)0, (void)0);
    SWEEP(hcode_ctx_require_presentation(c, 1), (void)0, (void)0);
    SWEEP(hcode_qr_set_decoders(c, HCODE_QR_DECODER_ZBAR), (void)0, (void)0);
    SWEEP(hcode_qr_set_time_budget(c, 50), (void)0, (void)0);
    SWEEP(hcode_qr_set_cache_window(c, 10), (void)0, (void)0);
    hcode_policy *p = NULL;
    ck_assert_int_eq(hcode_policy_new(&p), 0);
    SWEEP(hcode_ctx_set_policy(c, p), (void)0, (void)0);
    hcode_ctx_free(c);

    char prefix[128], pub[160], rlpath[160];
    snprintf(prefix, sizeof prefix, "%s/iss", dir);
    snprintf(pub, sizeof pub, "%s.pub", prefix);
    ck_assert_int_eq(hcode_keypair_save(kp, prefix), 0);
    uint8_t pk[32];
    /* a .pub file is JSON: see sweep_key_files in test-alloc.c */
    also_ok = HCODE_EFORMAT;
    SWEEP(hcode_public_key_load(ctx, pub, pk), (void)0, (void)0);
    hcode_trust_entry e;
    SWEEP(hcode_trust_entry_from_file(ctx, pub, &e), (void)0, (void)0);
    also_ok = HCODE_ENOMEM;
    char pseudo[33];
    SWEEP(hcode_keypair_pseudonym(kp, "370102199003077777", pseudo, sizeof pseudo), (void)0, (void)0);

    uint8_t id[8];
    ck_assert_int_eq(hcode_code_id(ctx, kp, person_code, strlen(person_code), id), 0);
    char *rl = NULL;
    ck_assert_int_eq(hcode_revocation_sign(ctx, kp, id, 1, T0, &rl), 0);
    snprintf(rlpath, sizeof rlpath, "%s/rl", dir);
    FILE *f = fopen(rlpath, "w");
    ck_assert_ptr_nonnull(f);
    fputs(rl, f);
    ck_assert_int_eq(fclose(f), 0);
    hcode_free(rl);
    SWEEP(hcode_revocation_load_file(ctx, rlpath, T0 + 10), (void)0,
          ck_assert_uint_eq(hcode_revocation_count(ctx), 0));
    ck_assert_uint_eq(hcode_revocation_count(ctx), 1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc-api");
    TCase *tc = tcase_create("alloc-api");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, sweep_trustlist);
    tcase_add_test(tc, sweep_revocation);
    tcase_add_test(tc, sweep_present);
    tcase_add_test(tc, sweep_policy);
    tcase_add_test(tc, sweep_store_memory);
    tcase_add_test(tc, sweep_store_sqlite);
    tcase_add_test(tc, sweep_checkin_memory);
    tcase_add_test(tc, sweep_checkin_sqlite);
    tcase_add_test(tc, sweep_trace_memory);
    tcase_add_test(tc, sweep_trace_sqlite);
    tcase_add_test(tc, sweep_audit_memory);
    tcase_add_test(tc, sweep_audit_sqlite);
    tcase_add_test(tc, sweep_qr_render);
    tcase_add_test(tc, sweep_qr_scan_result);
    tcase_add_test(tc, sweep_ctx_setters_and_files);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
