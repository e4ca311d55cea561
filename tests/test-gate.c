/* The gate side of trust, revocation and presentations: check-in with a
 * revoked code, a presentation used up and replayed (in the same context,
 * in another context sharing the SQLite file, through a version-1 host
 * backend), stale presentations, holder-bound codes where presentations
 * are required, printed codes, and the scan verdict cache following
 * revocation and the replay cache. */
#include "backends.h"
#include "store-private.h"

#include <check.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1795330000)

static hcode_ctx *ctx;
static hcode_keypair *kp, *holder, *holder2;
static char *venue;

static void setup(void)
{
    hcode_store *st;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-370100"), 0);
    ck_assert_int_eq(hcode_keypair_generate(&holder, NULL), 0);
    ck_assert_int_eq(hcode_keypair_generate(&holder2, NULL), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(ctx, kp), 0);
    ck_assert_int_eq(factory_sqlite(&st, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "V-1", "Mall", NULL, "mall", T0, 0, &venue), 0);
}

static void teardown(void)
{
    hcode_free(venue);
    hcode_keypair_free(kp);
    hcode_keypair_free(holder);
    hcode_keypair_free(holder2);
    hcode_ctx_free(ctx);
}

static char *person(const char *id, const hcode_keypair *h, uint32_t flags)
{
    uint8_t hpk[32];
    if (h)
        hcode_keypair_public_key(h, hpk);
    char *p = NULL;
    ck_assert_int_eq(hcode_issue_person(ctx, kp, id, HCODE_GREEN, T0, 0, NULL, flags, h ? hpk : NULL, &p), 0);
    return p;
}

static char *present(const hcode_keypair *h, const char *cred, int64_t at)
{
    char *d = NULL;
    ck_assert_int_eq(hcode_present(ctx, h, cred, strlen(cred), at, &d), 0);
    return d;
}

static int count_cb(const hcode_record *r, void *data)
{
    (void)r;
    (*(int *)data)++;
    return 0;
}

static int stored_in(hcode_ctx *c)
{
    int n = 0;
    ck_assert_int_eq(hcode_store_query_venue(hcode_ctx_store(c), "V-1", 0, INT64_MAX, count_cb, &n), 0);
    return n;
}

/* Checks in through context c; returns the reason, *admitted set. */
static const char *checkin_in(hcode_ctx *c, const char *p, int64_t at, int *admitted)
{
    static char reason[64];
    hcode_admission *a = NULL;
    ck_assert_int_eq(hcode_checkin(c, p, venue, "gate-1", at, &a), 0);
    *admitted = hcode_admission_admitted(a);
    snprintf(reason, sizeof reason, "%s", hcode_admission_reason(a));
    ck_assert_int_eq(hcode_admission_record_id(a)[0] != '\0', *admitted);
    hcode_admission_free(a);
    return reason;
}

static const char *checkin(const char *p, int64_t at, int *admitted) { return checkin_in(ctx, p, at, admitted); }

START_TEST(revoked_code_denied_not_recorded)
{
    char *a = person("A", NULL, 0), *b = person("B", NULL, 0), *rl = NULL;
    uint8_t id[8];
    ck_assert_int_eq(hcode_code_id(ctx, kp, a, strlen(a), id), 0);
    ck_assert_int_eq(hcode_revocation_sign(ctx, kp, id, 1, T0 + 10, &rl), 0);
    ck_assert_int_eq(hcode_revocation_load(ctx, rl, strlen(rl), T0 + 60), 0);
    int ok;
    ck_assert_str_eq(checkin(a, T0 + 60, &ok), "revoked");
    ck_assert(!ok);
    ck_assert_str_eq(checkin(b, T0 + 60, &ok), "admitted");
    ck_assert_int_eq(stored_in(ctx), 1);
    /* a revoked credential inside a presentation is revoked too */
    char *h = person("H", holder, 0);
    ck_assert_int_eq(hcode_code_id(ctx, kp, h, strlen(h), id), 0);
    hcode_free(rl);
    ck_assert_int_eq(hcode_revocation_sign(ctx, kp, id, 1, T0 + 10, &rl), 0);
    ck_assert_int_eq(hcode_revocation_load(ctx, rl, strlen(rl), T0 + 60), 0);
    char *d = present(holder, h, T0 + 100);
    ck_assert_str_eq(checkin(d, T0 + 110, &ok), "revoked");
    ck_assert_int_eq(stored_in(ctx), 1);
    hcode_free(a), hcode_free(b), hcode_free(h), hcode_free(d), hcode_free(rl);
}
END_TEST

START_TEST(presentation_admitted_once)
{
    char *cred = person("H", holder, 0);
    char *d = present(holder, cred, T0 + 100);
    int ok;
    /* camera frames of one attempt: verifying is not using it up */
    for (int i = 0; i < 3; i++) {
        hcode_verdict *v = NULL;
        ck_assert_int_eq(hcode_verify(ctx, d, strlen(d), T0 + 101 + i, &v), 0);
        ck_assert(hcode_verdict_valid(v));
        hcode_verdict_free(v);
    }
    hcode_admission *a = NULL;
    ck_assert_int_eq(hcode_checkin(ctx, d, venue, NULL, T0 + 105, &a), 0);
    ck_assert(hcode_admission_admitted(a));
    ck_assert_str_eq(hcode_admission_reason(a), "admitted");
    ck_assert(hcode_admission_presentation(a));
    ck_assert_int_eq(hcode_admission_status(a), HCODE_GREEN);
    char pseudo[33];
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, "H", pseudo, sizeof pseudo), 0);
    ck_assert_str_eq(hcode_admission_subject(a), pseudo);
    char *json = NULL;
    ck_assert_int_eq(hcode_admission_to_json(a, &json), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"presentation\":true"));
    hcode_free(json);
    hcode_admission_free(a);
    /* the same presentation again: replayed, not recorded */
    ck_assert_str_eq(checkin(d, T0 + 110, &ok), "replayed");
    ck_assert(!ok);
    /* a second context on the same database file (another process) */
    hcode_ctx *c2;
    hcode_store *st2;
    ck_assert_int_eq(hcode_ctx_new(&c2), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(c2, kp), 0);
    ck_assert_int_eq(hcode_store_sqlite_open(&st2, factory_sqlite_last_path(), 0), 0);
    ck_assert_int_eq(hcode_ctx_set_store(c2, st2), 0);
    hcode_verdict *v = NULL;
    ck_assert_int_eq(hcode_verify(c2, d, strlen(d), T0 + 111, &v), 0);
    ck_assert(hcode_verdict_valid(v)); /* verification alone does not see the store */
    hcode_verdict_free(v);
    ck_assert_str_eq(checkin_in(c2, d, T0 + 112, &ok), "replayed");
    ck_assert(!ok);
    /* a fresh presentation from the same phone is a new attempt */
    char *d2 = present(holder, cred, T0 + 120);
    ck_assert_str_eq(checkin_in(c2, d2, T0 + 121, &ok), "admitted");
    ck_assert_str_eq(checkin(d2, T0 + 122, &ok), "replayed");
    /* past its window the old one is stale, not replayed */
    ck_assert_str_eq(checkin_in(c2, d, T0 + 100 + 61, &ok), "stale");
    ck_assert_int_eq(stored_in(ctx), 2);
    /* the person may leave with the presentation they entered with */
    ck_assert_int_eq(hcode_checkout(ctx, d2, venue, NULL, T0 + 130, &a), 0);
    ck_assert(hcode_admission_admitted(a));
    ck_assert_str_eq(hcode_admission_reason(a), "checked_out");
    hcode_admission_free(a);
    ck_assert_int_eq(stored_in(ctx), 3);
    hcode_ctx_free(c2);
    hcode_free(cred), hcode_free(d), hcode_free(d2);
}
END_TEST

START_TEST(stale_and_foreign_presentations)
{
    char *cred = person("H", holder, 0);
    char *d = present(holder, cred, T0 + 100);
    int ok;
    ck_assert_str_eq(checkin(d, T0 + 161, &ok), "stale");     /* a screenshot, 61 s later */
    ck_assert_str_eq(checkin(d, T0 + 100 - 31, &ok), "stale"); /* dated in the future */
    ck_assert_int_eq(hcode_ctx_set_freshness(ctx, 90), 0);
    ck_assert_str_eq(checkin(d, T0 + 161, &ok), "admitted");
    ck_assert_str_eq(checkin(d, T0 + 162, &ok), "replayed");
    /* another phone cannot present it */
    char *x = NULL;
    ck_assert_int_eq(hcode_present(ctx, holder2, cred, strlen(cred), T0 + 200, &x), HCODE_EINVAL);
    ck_assert_ptr_null(x);
    ck_assert_int_eq(stored_in(ctx), 1);
    hcode_free(cred), hcode_free(d);
}
END_TEST

START_TEST(presentations_required)
{
    char *bound = person("H", holder, 0), *plain = person("P", NULL, 0), *pr = person("O", NULL, HCODE_FLAG_PRINTED);
    int ok;
    /* by default a bare holder-bound code is accepted */
    ck_assert_str_eq(checkin(bound, T0 + 10, &ok), "admitted");
    hcode_policy *p = NULL;
    const char *js = "{\"require_presentation\":true}";
    ck_assert_int_eq(hcode_policy_parse(ctx, js, strlen(js), &p), 0);
    ck_assert(hcode_policy_require_presentation(p));
    ck_assert_int_eq(hcode_ctx_set_policy(ctx, p), 0);
    ck_assert_str_eq(checkin(bound, T0 + 20, &ok), "holder_binding_required");
    ck_assert(!ok);
    ck_assert_str_eq(checkin(plain, T0 + 20, &ok), "admitted"); /* no phone: not affected */
    ck_assert_str_eq(checkin(pr, T0 + 20, &ok), "admitted");
    char *d = present(holder, bound, T0 + 30);
    ck_assert_str_eq(checkin(d, T0 + 31, &ok), "admitted");
    /* the same through the context setting (CLI --require-presentation) */
    ck_assert_int_eq(hcode_ctx_set_policy(ctx, NULL), 0);
    ck_assert_str_eq(checkin(bound, T0 + 40, &ok), "admitted");
    ck_assert_int_eq(hcode_ctx_require_presentation(ctx, 1), 0);
    ck_assert_str_eq(checkin(bound, T0 + 41, &ok), "holder_binding_required");
    /* anyone may leave */
    hcode_admission *a = NULL;
    ck_assert_int_eq(hcode_checkout(ctx, bound, venue, NULL, T0 + 50, &a), 0);
    ck_assert(hcode_admission_admitted(a));
    hcode_admission_free(a);
    ck_assert_int_eq(stored_in(ctx), 6);
    hcode_free(bound), hcode_free(plain), hcode_free(pr), hcode_free(d);
}
END_TEST

START_TEST(printed_codes)
{
    char *pr = person("O", NULL, HCODE_FLAG_PRINTED);
    hcode_policy *p = NULL;
    int ok;
    ck_assert_str_eq(checkin(pr, T0 + 10, &ok), "admitted"); /* default: accept */
    ck_assert_int_eq(hcode_policy_new(&p), 0);
    ck_assert_int_eq(hcode_policy_set_printed(p, HCODE_PRINTED_REJECT), 0);
    ck_assert_int_eq(hcode_ctx_set_policy(ctx, p), 0);
    ck_assert_str_eq(checkin(pr, T0 + 20, &ok), "printed_not_accepted");
    ck_assert(!ok);
    ck_assert_int_eq(hcode_policy_new(&p), 0);
    ck_assert_int_eq(hcode_policy_set_printed(p, HCODE_PRINTED_MANUAL), 0);
    ck_assert_int_eq(hcode_ctx_set_policy(ctx, p), 0);
    hcode_admission *a = NULL;
    ck_assert_int_eq(hcode_checkin(ctx, pr, venue, NULL, T0 + 30, &a), 0);
    ck_assert(hcode_admission_admitted(a));
    ck_assert(hcode_admission_manual_check(a));
    ck_assert_str_eq(hcode_admission_reason(a), "manual_identity_check");
    hcode_admission_free(a);
    /* a printed code 20 days old is still valid (30-day validity) */
    ck_assert_str_eq(checkin(pr, T0 + 20 * 86400, &ok), "manual_identity_check");
    ck_assert(ok);
    ck_assert_int_eq(stored_in(ctx), 3);
    hcode_free(pr);
}
END_TEST

/* A version-1 backend (filled by an older header: its struct ends at
 * close) or a version-2 one (ends at query_subjects) is accepted; presentations then use the context's own cache. */
static int v2_called;
static int never_consume(void *self, const uint8_t *id, int64_t until, int64_t at)
{
    (void)self, (void)id, (void)until, (void)at;
    v2_called++;
    return HCODE_EEXIST;
}

START_TEST(version1_backend_falls_back)
{
    hcode_store *st;
    ck_assert_int_eq(factory_host(&st, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    char *cred = person("H", holder, 0);
    char *d = present(holder, cred, T0 + 100);
    int ok;
    ck_assert_str_eq(checkin(d, T0 + 101, &ok), "admitted");
    ck_assert_str_eq(checkin(d, T0 + 102, &ok), "replayed");
    /* a version-1 struct's presentation_consume slot is never read: a
     * backend built from the memory backend's methods, as version 1 */
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ck_assert_uint_eq(ops.version, 3);
    hcode_store *m;
    ck_assert_int_eq(hcode_store_open(&m, ":memory:"), 0);
    ops = m->ops;
    void *self = m->self;
    m->ops.close = NULL; /* the new handle owns self */
    hcode_store_free(m);
    ops.version = 1;
    ops.presentation_consume = never_consume;
    ck_assert_int_eq(hcode_store_new(&st, &ops, self), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    /* a version-1 struct exactly as large as the old header made it: never
     * read past its end (the sanitizer build checks this) */
    size_t v1size = offsetof(hcode_store_ops, query_subjects);
    hcode_store *st1 = NULL;
    ck_assert_int_eq(hcode_store_open(&m, ":memory:"), 0);
    ops.close = m->ops.close;
    void *old = malloc(v1size);
    ck_assert_ptr_nonnull(old);
    memcpy(old, &ops, v1size);
    ck_assert_int_eq(hcode_store_new(&st1, old, m->self), 0);
    m->ops.close = NULL;
    hcode_store_free(m);
    free(old);
    ck_assert(!hcode__store_has_consume(st1));
    hcode_store_free(st1);
    char *d2 = present(holder, cred, T0 + 200);
    ck_assert_str_eq(checkin(d2, T0 + 201, &ok), "admitted");
    ck_assert_int_eq(v2_called, 0);
    /* version 2 (query_subjects, no presentation_consume) does not have it either */
    ck_assert_int_eq(hcode_store_open(&m, ":memory:"), 0);
    ops = m->ops;
    self = m->self;
    m->ops.close = NULL;
    hcode_store_free(m);
    ops.version = 2;
    ops.presentation_consume = never_consume;
    ck_assert_int_eq(hcode_store_new(&st, &ops, self), 0);
    ck_assert(!hcode__store_has_consume(st));
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    char *d25 = present(holder, cred, T0 + 250);
    ck_assert_str_eq(checkin(d25, T0 + 251, &ok), "admitted");
    ck_assert_int_eq(v2_called, 0);
    hcode_free(d25);
    /* the same struct as version 3 uses the method */
    ck_assert_int_eq(hcode_store_open(&m, ":memory:"), 0);
    ops = m->ops;
    self = m->self;
    m->ops.close = NULL;
    hcode_store_free(m);
    ops.presentation_consume = never_consume;
    ck_assert_int_eq(hcode_store_new(&st, &ops, self), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    char *d3 = present(holder, cred, T0 + 300);
    ck_assert_str_eq(checkin(d3, T0 + 301, &ok), "replayed");
    ck_assert_int_eq(v2_called, 1);
    hcode_free(cred), hcode_free(d), hcode_free(d2), hcode_free(d3);
}
END_TEST

/* The memory backend shares its replay cache between contexts too. */
START_TEST(memory_backend_replay_cache)
{
    hcode_store *st;
    ck_assert_int_eq(hcode_store_open(&st, ":memory:"), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    char *cred = person("H", holder, 0);
    char *d = present(holder, cred, T0 + 100);
    int ok;
    ck_assert_str_eq(checkin(d, T0 + 101, &ok), "admitted");
    /* a context without the consumed entry in its own cache */
    hcode_ctx *c2;
    ck_assert_int_eq(hcode_ctx_new(&c2), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(c2, kp), 0);
    /* move the store over: the ops are the store's, the cache is not */
    hcode_store *moved = hcode_ctx_store(ctx);
    ctx->store = NULL; /* internal: hand the store to c2 without freeing it */
    ck_assert_int_eq(hcode_ctx_set_store(c2, moved), 0);
    ck_assert_str_eq(checkin_in(c2, d, T0 + 102, &ok), "replayed");
    ck_assert_int_eq(stored_in(c2), 1);
    hcode_ctx_free(c2);
    hcode_free(cred), hcode_free(d);
}
END_TEST

/* Scan verdicts follow revocation and the replay cache. */
START_TEST(scan_cache_follows_state)
{
    ck_assert_int_eq(hcode_ctx_set_freshness(ctx, 60), 0); /* presentation state exists from the start */
    char *cred = person("H", holder, 0);
    char *d = present(holder, cred, T0 + 100);
    uint8_t *px = NULL;
    int w = 0;
    ck_assert_int_eq(hcode_qr_render_gray(ctx, d, strlen(d), 4, 0, &px, &w), 0);
    hcode_scan_result *r = NULL;
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, px, w, w, w, T0 + 101, &r), 0);
    ck_assert_uint_eq(hcode_scan_result_count(r), 1);
    ck_assert(hcode_verdict_valid(hcode_scan_result_verdict(r, 0)));
    ck_assert_int_eq(hcode_verdict_kind(hcode_scan_result_verdict(r, 0)), HCODE_KIND_PRESENTATION);
    hcode_scan_result_free(r);
    /* admitted: the next frame (within the cache window) says replayed */
    int ok;
    ck_assert_str_eq(checkin(d, T0 + 101, &ok), "admitted");
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, px, w, w, w, T0 + 102, &r), 0);
    ck_assert_str_eq(hcode_verdict_error(hcode_scan_result_verdict(r, 0)), "replayed");
    hcode_scan_result_free(r);
    hcode_free(px);
    /* a bare code: valid, then revoked by a list loaded between frames */
    char *b = person("B", NULL, 0);
    ck_assert_int_eq(hcode_qr_render_gray(ctx, b, strlen(b), 4, 0, &px, &w), 0);
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, px, w, w, w, T0 + 200, &r), 0);
    ck_assert(hcode_verdict_valid(hcode_scan_result_verdict(r, 0)));
    hcode_scan_result_free(r);
    uint8_t id[8];
    char *rl = NULL;
    ck_assert_int_eq(hcode_code_id(ctx, kp, b, strlen(b), id), 0);
    ck_assert_int_eq(hcode_revocation_sign(ctx, kp, id, 1, T0 + 150, &rl), 0);
    ck_assert_int_eq(hcode_revocation_load(ctx, rl, strlen(rl), T0 + 200), 0);
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, px, w, w, w, T0 + 201, &r), 0);
    ck_assert_str_eq(hcode_verdict_error(hcode_scan_result_verdict(r, 0)), "revoked");
    hcode_scan_result_free(r);
    hcode_free(px);
    /* a presentation cached valid is not reused past its window */
    ck_assert_int_eq(hcode_qr_set_cache_window(ctx, 30), 0);
    char *d2 = present(holder, cred, T0 + 1000);
    ck_assert_int_eq(hcode_qr_render_gray(ctx, d2, strlen(d2), 4, 0, &px, &w), 0);
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, px, w, w, w, T0 + 1050, &r), 0);
    ck_assert(hcode_verdict_valid(hcode_scan_result_verdict(r, 0)));
    hcode_scan_result_free(r);
    ck_assert_int_eq(hcode_qr_scan_gray(ctx, px, w, w, w, T0 + 1061, &r), 0);
    ck_assert_str_eq(hcode_verdict_error(hcode_scan_result_verdict(r, 0)), "stale");
    hcode_scan_result_free(r);
    hcode_free(px);
    hcode_free(cred), hcode_free(d), hcode_free(d2), hcode_free(b), hcode_free(rl);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("gate");
    TCase *tc = tcase_create("gate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, revoked_code_denied_not_recorded);
    tcase_add_test(tc, presentation_admitted_once);
    tcase_add_test(tc, stale_and_foreign_presentations);
    tcase_add_test(tc, presentations_required);
    tcase_add_test(tc, printed_codes);
    tcase_add_test(tc, version1_backend_falls_back);
    tcase_add_test(tc, memory_backend_replay_cache);
    tcase_add_test(tc, scan_cache_follows_state);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
