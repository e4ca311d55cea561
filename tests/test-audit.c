/* The audit log: every trace and purge appends a signed, chained entry;
 * editing, removing, inserting or reordering entries is detected. */
#include "backends.h"

#include <check.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char db[512], head[600];
static uint8_t pk[32];

/* A SQLite store with 4 audited traces. */
static hcode_ctx *make_log(void)
{
    hcode_ctx *ctx;
    hcode_store *st;
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(factory_sqlite(&st, NULL), 0);
    snprintf(db, sizeof db, "%s", factory_sqlite_last_path());
    snprintf(head, sizeof head, "%s.audit-head", db);
    ck_assert_int_eq(hcode_ctx_set_store(ctx, st), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    hcode_keypair_public_key(kp, pk);
    ck_assert_int_eq(hcode_ctx_set_audit_key(ctx, kp), 0);
    ck_assert_int_eq(hcode_ctx_set_audit_head_file(ctx, head), 0);
    hcode_keypair_free(kp);
    for (int i = 0; i < 4; i++) {
        hcode_trace *t = NULL;
        char purpose[32];
        snprintf(purpose, sizeof purpose, "case %d", i + 1);
        ck_assert_int_eq(hcode_trace_venue(ctx, "V", 0, 100, 0, 0, "alice", purpose, &t), 0);
        hcode_trace_free(t);
    }
    return ctx;
}

static void sql(const char *stmt)
{
    sqlite3 *h;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    char *err = NULL;
    ck_assert_msg(sqlite3_exec(h, stmt, NULL, NULL, &err) == SQLITE_OK, "%s", err ? err : "");
    sqlite3_close(h);
}

/* Verifies with the key; returns the problem ("" when intact). */
static const char *verify(hcode_ctx *ctx, bool with_key)
{
    static char problem[256];
    hcode_audit_report *r = NULL;
    ck_assert_int_eq(hcode_audit_verify(ctx, with_key ? pk : NULL, &r), 0);
    snprintf(problem, sizeof problem, "%s", hcode_audit_report_problem(r));
    ck_assert_int_eq(hcode_audit_report_ok(r), problem[0] == '\0');
    hcode_audit_report_free(r);
    return problem;
}

START_TEST(intact_log_verifies)
{
    hcode_ctx *ctx = make_log();
    ck_assert_str_eq(verify(ctx, true), "");
    hcode_audit_report *r;
    ck_assert_int_eq(hcode_audit_verify(ctx, pk, &r), 0);
    ck_assert_uint_eq(hcode_audit_report_entries(r), 4);
    ck_assert(hcode_audit_report_signed(r));
    hcode_audit_report_free(r);
    /* the entries say who, why, what and how many */
    sqlite3 *h;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT line FROM audit WHERE seq=2", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    const char *line = (const char *)sqlite3_column_text(s, 0);
    ck_assert_ptr_nonnull(strstr(line, "\"operator\":\"alice\""));
    ck_assert_ptr_nonnull(strstr(line, "\"purpose\":\"case 2\""));
    ck_assert_ptr_nonnull(strstr(line, "\"query\":\"trace venue=\\\"V\\\""));
    ck_assert_ptr_nonnull(strstr(line, "\"count\":0"));
    sqlite3_finalize(s);
    sqlite3_close(h);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(edited_entry)
{
    hcode_ctx *ctx = make_log();
    sql("UPDATE audit SET line=replace(line,'alice','mallory') WHERE seq=2");
    ck_assert_str_eq(verify(ctx, false), "entry 2: hash mismatch (edited)");
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(removed_entry)
{
    hcode_ctx *ctx = make_log();
    sql("DELETE FROM audit WHERE seq=2");
    ck_assert_ptr_nonnull(strstr(verify(ctx, true), "entry 2: does not follow the previous entry (an entry was removed)"));
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(removed_last_entries)
{
    hcode_ctx *ctx = make_log();
    sql("DELETE FROM audit WHERE seq>=3");
    ck_assert_ptr_nonnull(strstr(verify(ctx, true), "entries were removed"));
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(inserted_entry)
{
    hcode_ctx *ctx = make_log();
    /* a copy of entry 2 inserted after it */
    sql("INSERT INTO audit(seq,line) SELECT 5, line FROM audit WHERE seq=4;"
        "UPDATE audit SET line=(SELECT line FROM audit WHERE seq=2) WHERE seq=4;"
        "UPDATE audit SET line=(SELECT line FROM audit WHERE seq=3) WHERE seq=5;"
        "UPDATE audit SET line=(SELECT line FROM audit WHERE seq=5) WHERE seq=4;");
    /* simpler form: the log is now 1,2,3,3 -> entry 4 repeats entry 3 */
    ck_assert_ptr_nonnull(strstr(verify(ctx, true), "entry 4: does not follow the previous entry (entries inserted or reordered)"));
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(reordered_entries)
{
    hcode_ctx *ctx = make_log();
    sql("UPDATE audit SET seq=-2 WHERE seq=2; UPDATE audit SET seq=2 WHERE seq=3; UPDATE audit SET seq=3 WHERE seq=-2");
    ck_assert_ptr_nonnull(strstr(verify(ctx, true), "entry 2: does not follow the previous entry"));
    hcode_ctx_free(ctx);
}
END_TEST

/* A chain rebuilt by someone without the audit key fails the signatures. */
START_TEST(forged_chain)
{
    hcode_ctx *ctx = make_log();
    hcode_ctx *forger;
    hcode_store *st;
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_ctx_new(&forger), 0);
    ck_assert_int_eq(hcode_store_open(&st, db), 0);
    ck_assert_int_eq(hcode_ctx_set_store(forger, st), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_audit_key(forger, kp), 0);
    hcode_keypair_free(kp);
    sql("DELETE FROM audit");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(hcode_audit_append(forger, "alice", "case", "trace", 0), 0);
    /* the chain alone holds, but not the signed head, nor the signatures */
    ck_assert_str_eq(verify(ctx, false), "entry 4 differs from the signed head (log rewritten)");
    ck_assert_str_eq(verify(ctx, true), "entry 1: signed by another audit key");
    hcode_ctx_free(forger);
    hcode_ctx_free(ctx);
}
END_TEST

/* A query whose audit entry cannot be written does not run. */
START_TEST(unwritable_log_refuses_queries)
{
    hcode_ctx *ctx = make_log();
    sql("DROP TABLE audit; CREATE VIEW audit AS SELECT 1 AS seq, 'x' AS line");
    hcode_trace *t = (hcode_trace *)1;
    ck_assert_int_eq(hcode_trace_venue(ctx, "V", 0, 100, 0, 0, "alice", "case", &t), HCODE_EAUDIT);
    ck_assert_ptr_null(t);
    uint64_t removed = 1;
    ck_assert_int_eq(hcode_purge(ctx, 100, "alice", "retention", &removed), HCODE_EAUDIT);
    hcode_ctx_free(ctx);
}
END_TEST

START_TEST(purge_is_audited)
{
    hcode_ctx *ctx = make_log();
    hcode_store *st = hcode_ctx_store(ctx);
    hcode_record a = {"000000000000000000000000000000a1", "0123456789abcdef0123456789abcdef", "V", "", 50,
                      HCODE_RECORD_IN, HCODE_GREEN};
    hcode_record b = {"000000000000000000000000000000a2", "fedcba9876543210fedcba9876543210", "V", "", 150,
                      HCODE_RECORD_IN, HCODE_GREEN};
    ck_assert_int_eq(hcode_store_put(st, &a), 0);
    ck_assert_int_eq(hcode_store_put(st, &b), 0);
    uint64_t removed = 0;
    ck_assert_int_eq(hcode_purge(ctx, 100, "", "retention", &removed), HCODE_EINVAL);
    ck_assert_int_eq(hcode_purge(ctx, 100, "alice", "retention", &removed), 0);
    ck_assert_uint_eq(removed, 1);
    hcode_audit_report *r;
    ck_assert_int_eq(hcode_audit_verify(ctx, pk, &r), 0);
    ck_assert(hcode_audit_report_ok(r));
    ck_assert_uint_eq(hcode_audit_report_entries(r), 5);
    hcode_audit_report_free(r);
    /* the purged pseudonym is gone from the file */
    sqlite3 *h;
    sqlite3_stmt *s;
    ck_assert_int_eq(sqlite3_open(db, &h), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(h, "SELECT count(*) FROM subject", -1, &s, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(s, 0), 1);
    sqlite3_finalize(s);
    sqlite3_close(h);
    hcode_ctx_free(ctx);
}
END_TEST

/* Two writers on one database: the chain never forks. */
START_TEST(two_writers)
{
    hcode_ctx *a = make_log(), *b;
    hcode_store *st;
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_ctx_new(&b), 0);
    ck_assert_int_eq(hcode_store_open(&st, db), 0);
    ck_assert_int_eq(hcode_ctx_set_store(b, st), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    ck_assert_int_eq(hcode_ctx_set_audit_key(b, kp), 0);
    hcode_keypair_free(kp);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(hcode_audit_append(a, "alice", "case", "q", 0), 0);
        ck_assert_int_eq(hcode_audit_append(b, "bob", "case", "q", 0), 0);
    }
    ck_assert_str_eq(verify(a, false), "");
    hcode_audit_report *r;
    ck_assert_int_eq(hcode_audit_verify(a, NULL, &r), 0);
    ck_assert_uint_eq(hcode_audit_report_entries(r), 10);
    hcode_audit_report_free(r);
    hcode_ctx_free(b);
    hcode_ctx_free(a);
}
END_TEST

/* The memory backend keeps an audit log too. */
START_TEST(memory_log)
{
    hcode_ctx *ctx;
    hcode_keypair *kp;
    ck_assert_int_eq(hcode_ctx_new(&ctx), 0);
    ck_assert_int_eq(hcode_ctx_open_store(ctx, ":memory:"), 0);
    ck_assert_int_eq(hcode_keypair_generate(&kp, NULL), 0);
    hcode_keypair_public_key(kp, pk);
    ck_assert_int_eq(hcode_ctx_set_audit_key(ctx, kp), 0);
    hcode_keypair_free(kp);
    ck_assert_int_eq(hcode_audit_append(ctx, "bob", "export", "csv", 12), 0);
    ck_assert_int_eq(hcode_audit_append(ctx, "bob", "export", "csv\nx", 12), HCODE_EINVAL);
    ck_assert_str_eq(verify(ctx, true), "");
    hcode_ctx_free(ctx);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("audit");
    tcase_add_test(tc, intact_log_verifies);
    tcase_add_test(tc, edited_entry);
    tcase_add_test(tc, removed_entry);
    tcase_add_test(tc, removed_last_entries);
    tcase_add_test(tc, inserted_entry);
    tcase_add_test(tc, reordered_entries);
    tcase_add_test(tc, forged_chain);
    tcase_add_test(tc, unwritable_log_refuses_queries);
    tcase_add_test(tc, purge_is_audited);
    tcase_add_test(tc, memory_log);
    tcase_add_test(tc, two_writers);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
