/* Venue policy and check-in/check-out: both codes verified, policy
 * applied, denied people not recorded, and no identifier in clear in the
 * SQLite file. */
#include "backends.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1795330000)
#define ID "110101199003077777"

static hcode_ctx *ctx;
static hcode_keypair *kp;
static char *venue;

static void setup(void)
{
    hcode_store *st;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, "CN-370100"), 0);
    ck_assert_int_eq(hcode_trust_add_keypair(ctx, kp), 0);
    ck_assert_int_eq(factory_sqlite(&st, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    ck_assert_int_eq(hcode_issue_venue(ctx, kp, "V-1", "Mall", NULL, "mall", T0, 0, &venue), 0);
}

static void teardown(void)
{
    hcode_free(venue);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
}

static char *person(const char *id, int status, uint32_t flags, int64_t at)
{
    char *p = NULL;
    ck_assert_int_eq(hcode_issue_person(ctx, kp, id, status, at, 0, "张*三", flags, NULL, &p), 0);
    return p;
}

static int count_cb(const hcode_record *r, void *data)
{
    (void)r;
    (*(int *)data)++;
    return 0;
}

static int stored(void)
{
    int n = 0;
    ck_assert_int_eq(hcode_store_query_venue(hcode_ctx_store(ctx), "V-1", 0, INT64_MAX, count_cb, &n), 0);
    return n;
}

/* Checks in; returns the reason; *admitted set. */
static const char *checkin(const char *p, const char *v, int64_t at, int *admitted)
{
    static char reason[64];
    hcode_admission *a = NULL;
    ck_assert_int_eq(hcode_checkin(ctx, p, v, "gate-1", at, &a), 0);
    *admitted = hcode_admission_admitted(a);
    snprintf(reason, sizeof reason, "%s", hcode_admission_reason(a));
    hcode_admission_free(a);
    return reason;
}

START_TEST(green_admitted_and_recorded)
{
    char *p = person(ID, HCODE_GREEN, 0, T0);
    hcode_admission *a = NULL;
    ck_assert_int_eq(hcode_checkin(ctx, p, venue, "gate-1", T0 + 100, &a), 0);
    ck_assert(hcode_admission_admitted(a));
    ck_assert_str_eq(hcode_admission_reason(a), "admitted");
    ck_assert_int_eq(hcode_admission_status(a), HCODE_GREEN);
    ck_assert_str_eq(hcode_admission_venue_id(a), "V-1");
    ck_assert_int_eq(hcode_admission_at(a), T0 + 100);
    char pseudo[33];
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, ID, pseudo, sizeof pseudo), 0);
    ck_assert_str_eq(hcode_admission_subject(a), pseudo);
    ck_assert_uint_eq(strlen(hcode_admission_record_id(a)), 32);
    char *json = NULL;
    ck_assert_int_eq(hcode_admission_to_json(a, &json), 0);
    char want[256];
    snprintf(want, sizeof want,
             "{\"admitted\":true,\"reason\":\"admitted\",\"status\":\"green\",\"subject\":\"%s\","
             "\"venue_id\":\"V-1\",\"at\":%lld,\"record_id\":\"%s\"", pseudo, (long long)(T0 + 100),
             hcode_admission_record_id(a));
    ck_assert_ptr_nonnull(strstr(json, want));
    hcode_free(json);
    hcode_admission_free(a);
    ck_assert_int_eq(stored(), 1);
    /* check-out */
    ck_assert_int_eq(hcode_checkout(ctx, p, venue, NULL, T0 + 200, &a), 0);
    ck_assert(hcode_admission_admitted(a));
    ck_assert_str_eq(hcode_admission_reason(a), "checked_out");
    hcode_admission_free(a);
    ck_assert_int_eq(stored(), 2);
    hcode_free(p);
}
END_TEST

START_TEST(denials_are_not_recorded)
{
    int ok;
    char *y = person("Y-1", HCODE_YELLOW, 0, T0), *r = person("R-1", HCODE_RED, 0, T0);
    ck_assert_str_eq(checkin(y, venue, T0 + 1, &ok), "status_not_admitted");
    ck_assert(!ok);
    ck_assert_str_eq(checkin(r, venue, T0 + 1, &ok), "status_not_admitted");
    /* codes swapped, expired, from an unknown issuer */
    ck_assert_str_eq(checkin(venue, venue, T0 + 1, &ok), "not_a_person_code");
    ck_assert_str_eq(checkin(y, y, T0 + 1, &ok), "not_a_venue_code");
    ck_assert_str_eq(checkin(y, venue, T0 + 3 * 86400, &ok), "expired");
    hcode_keypair *other;
    ck_assert_int_eq(hcode_keypair_generate(&other, NULL), 0);
    char *stranger = NULL;
    ck_assert_int_eq(hcode_issue_person(ctx, other, "S-1", HCODE_GREEN, T0, 0, NULL, 0, NULL, &stranger), 0);
    ck_assert_str_eq(checkin(stranger, venue, T0 + 1, &ok), "unknown_issuer");
    ck_assert_str_eq(checkin("HCP1:garbage", venue, T0 + 1, &ok), "malformed");
    ck_assert(!ok);
    hcode_admission *a = NULL;
    ck_assert_int_eq(hcode_checkin(ctx, y, venue, NULL, T0 + 1, &a), 0);
    ck_assert_ptr_nonnull(strstr(hcode_admission_message(a), "yellow"));
    hcode_admission_free(a);
    ck_assert_int_eq(stored(), 0);
    /* a red person may still leave */
    ck_assert_int_eq(hcode_checkout(ctx, r, venue, NULL, T0 + 5, &a), 0);
    ck_assert(hcode_admission_admitted(a));
    hcode_admission_free(a);
    ck_assert_int_eq(stored(), 1);
    hcode_free(stranger);
    hcode_keypair_free(other);
    hcode_free(y);
    hcode_free(r);
}
END_TEST

START_TEST(policy_from_json)
{
    hcode_policy *p = NULL;
    const char *fever = "{\"admit\":[\"green\",\"yellow\"],\"printed\":\"manual\",\"max_code_age\":\"2h\",\"dwell\":900}";
    ck_assert_int_eq(hcode_policy_parse(ctx, fever, strlen(fever), &p), 0);
    ck_assert(hcode_policy_admits(p, HCODE_YELLOW));
    ck_assert(!hcode_policy_admits(p, HCODE_RED));
    ck_assert_int_eq(hcode_policy_printed(p), HCODE_PRINTED_MANUAL);
    ck_assert_int_eq(hcode_policy_max_code_age(p), 7200);
    ck_assert_int_eq(hcode_policy_dwell(p), 900);
    ck_assert_int_eq(hcode_ctx_set_policy(ctx, p), 0);
    int ok;
    char *y = person("Y-1", HCODE_YELLOW, 0, T0), *pr = person("P-1", HCODE_GREEN, HCODE_FLAG_PRINTED, T0);
    ck_assert_str_eq(checkin(y, venue, T0 + 60, &ok), "admitted");
    ck_assert(ok);
    /* printed + manual: admitted, recorded, flagged for staff */
    hcode_admission *a = NULL;
    ck_assert_int_eq(hcode_checkin(ctx, pr, venue, NULL, T0 + 60, &a), 0);
    ck_assert(hcode_admission_admitted(a));
    ck_assert_str_eq(hcode_admission_reason(a), "manual_identity_check");
    ck_assert(hcode_admission_manual_check(a));
    ck_assert_str_ne(hcode_admission_message(a), "");
    char *json = NULL;
    ck_assert_int_eq(hcode_admission_to_json(a, &json), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"manual_check\":true"));
    hcode_free(json);
    hcode_admission_free(a);
    ck_assert_str_eq(checkin(y, venue, T0 + 7201, &ok), "code_too_old");
    ck_assert_str_eq(checkin(pr, venue, T0 + 7201, &ok), "code_too_old");
    ck_assert_int_eq(hcode_policy_new(&p), 0);
    ck_assert_int_eq(hcode_policy_set_printed(p, HCODE_PRINTED_REJECT), 0);
    ck_assert_int_eq(hcode_ctx_set_policy(ctx, p), 0);
    ck_assert_str_eq(checkin(pr, venue, T0 + 60, &ok), "printed_not_accepted");
    ck_assert_str_eq(checkin(y, venue, T0 + 60, &ok), "status_not_admitted");
    /* accept (the default): admitted without a manual check */
    ck_assert_int_eq(hcode_ctx_set_policy(ctx, NULL), 0);
    ck_assert_int_eq(hcode_checkin(ctx, pr, venue, NULL, T0 + 60, &a), 0);
    ck_assert_str_eq(hcode_admission_reason(a), "admitted");
    ck_assert(!hcode_admission_manual_check(a));
    ck_assert_int_eq(hcode_admission_to_json(a, &json), 0);
    ck_assert_ptr_nonnull(strstr(json, "\"manual_check\":false"));
    hcode_free(json);
    hcode_admission_free(a);
    ck_assert_int_eq(stored(), 3);
    hcode_free(y);
    hcode_free(pr);
}
END_TEST

START_TEST(policy_rejects_bad_files)
{
    static const char *bad[] = {
        "[]", "{\"admit\":\"green\"}", "{\"admit\":[\"blue\"]}", "{\"printed\":\"maybe\"}",
        "{\"dwell\":0}", "{\"dwell\":\"-5m\"}", "{\"max_code_age\":\"99999d\"}", "{\"admitt\":[\"green\"]}",
        "{\"admit\":[\"green\"],\"admit\":[\"red\"]}", "{", "", "{\"require_presentation\":1}",
        "{\"require_presentation\":\"yes\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hcode_policy *p = (hcode_policy *)1;
        int rc = hcode_policy_parse(ctx, bad[i], strlen(bad[i]), &p);
        ck_assert_msg(rc == HCODE_EFORMAT, "%s: %d", bad[i], rc);
        ck_assert_ptr_null(p);
        ck_assert_str_ne(hcode_errmsg(ctx), "");
    }
    hcode_policy *p;
    ck_assert_int_eq(hcode_policy_parse(ctx, "{}", 2, &p), 0);
    ck_assert(hcode_policy_admits(p, HCODE_GREEN));
    ck_assert(!hcode_policy_admits(p, HCODE_YELLOW));
    ck_assert_int_eq(hcode_policy_dwell(p), HCODE_DWELL_DEFAULT);
    hcode_policy_free(p);
    ck_assert_int_eq(hcode_policy_load(ctx, "/nonexistent/policy.json", &p), HCODE_EIO);
}
END_TEST

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (!memcmp(buf + i, needle, m))
            return true;
    return false;
}

/* No identifier (nor the display name, nor the hex pseudonym as text) in
 * the database file or its WAL. */
START_TEST(no_identifier_in_the_database)
{
    char path[512];
    snprintf(path, sizeof path, "%s", factory_sqlite_last_path());
    for (int i = 0; i < 20; i++) {
        char id[32];
        snprintf(id, sizeof id, "1101011990030%05d", i);
        char *p = person(id, HCODE_GREEN, 0, T0);
        int ok;
        checkin(p, venue, T0 + i, &ok);
        ck_assert(ok);
        hcode_free(p);
    }
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    ck_assert(file_contains(path, "V-1") || file_contains(wal, "V-1")); /* the grep works */
    char pseudo[33];
    ck_assert_int_eq(hcode_keypair_pseudonym(kp, "110101199003000003", pseudo, sizeof pseudo), 0);
    static const char *needles[] = {"110101199003000003", "1101011990030", "张*三", "Mall"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        ck_assert_msg(!file_contains(path, needles[i]), "%s found in the database", needles[i]);
        ck_assert_msg(!file_contains(wal, needles[i]), "%s found in the WAL", needles[i]);
    }
    ck_assert(!file_contains(path, pseudo) && !file_contains(wal, pseudo));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checkin");
    TCase *tc = tcase_create("checkin");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, green_admitted_and_recorded);
    tcase_add_test(tc, denials_are_not_recorded);
    tcase_add_test(tc, policy_from_json);
    tcase_add_test(tc, policy_rejects_bad_files);
    tcase_add_test(tc, no_identifier_in_the_database);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
