/* The storage contract suite (see store-contract.h). */
#include "store-contract.h"
#include "hcode-private.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char msg[512];

#define FAIL(...) do { snprintf(msg, sizeof msg, __VA_ARGS__); return msg; } while (0)

static void rand_hex(char out[33])
{
    uint8_t b[16];
    randombytes_buf(b, sizeof b);
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[32] = '\0';
}

typedef struct fixture {
    char ids[64][33];
    char subject[33], subject2[33];
    char venue[64], venue2[64];
} fixture;

static void fixture_init(fixture *f)
{
    for (int i = 0; i < 64; i++)
        rand_hex(f->ids[i]);
    rand_hex(f->subject);
    rand_hex(f->subject2);
    char r[33];
    rand_hex(r);
    snprintf(f->venue, sizeof f->venue, "venue-%.12s", r);
    snprintf(f->venue2, sizeof f->venue2, "场所-%.12s", r + 12);
}

typedef struct got {
    size_t n;
    hcode_record r[64];
    char ids[64][33], subjects[64][33], venues[64][160], gates[64][160];
} got;

static int collect(const hcode_record *r, void *data)
{
    got *g = data;
    if (g->n >= 64)
        return 0;
    size_t i = g->n++;
    g->r[i] = *r;
    snprintf(g->ids[i], 33, "%s", r->record_id);
    snprintf(g->subjects[i], 33, "%s", r->subject);
    snprintf(g->venues[i], 160, "%s", r->venue_id);
    snprintf(g->gates[i], 160, "%s", r->gate);
    return 0;
}

static int find(const got *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(g->ids[i], id))
            return (int)i;
    return -1;
}

static hcode_record rec(const fixture *f, int id, const char *subject, const char *venue, int64_t at, int kind,
                        int status, const char *gate)
{
    hcode_record r = {f->ids[id], subject, venue, gate, at, kind, status};
    return r;
}

static const char *roundtrip(hcode_store *st)
{
    fixture f;
    fixture_init(&f);
    hcode_record r = rec(&f, 0, f.subject, f.venue2, 1795341600, HCODE_RECORD_IN, HCODE_YELLOW, "北门-2");
    int rc = hcode_store_put(st, &r);
    if (rc)
        FAIL("put returned %d (%s)", rc, hcode_store_errmsg(st));
    got g = {0};
    if ((rc = hcode_store_query_subject(st, f.subject, 0, INT64_MAX, collect, &g)))
        FAIL("query_subject returned %d (%s)", rc, hcode_store_errmsg(st));
    if (g.n != 1)
        FAIL("query_subject gave %zu records for one put", g.n);
    if (strcmp(g.ids[0], r.record_id) || strcmp(g.subjects[0], r.subject) || strcmp(g.venues[0], r.venue_id) ||
        strcmp(g.gates[0], r.gate) || g.r[0].at != r.at || g.r[0].kind != r.kind || g.r[0].status != r.status)
        FAIL("query_subject returned a different record");
    got v = {0};
    if ((rc = hcode_store_query_venue(st, f.venue2, 0, INT64_MAX, collect, &v)))
        FAIL("query_venue returned %d (%s)", rc, hcode_store_errmsg(st));
    if (v.n != 1 || strcmp(v.ids[0], r.record_id) || strcmp(v.subjects[0], r.subject) || strcmp(v.gates[0], r.gate))
        FAIL("query_venue did not return the record as stored");
    return NULL;
}

static const char *idempotent(hcode_store *st)
{
    fixture f;
    fixture_init(&f);
    hcode_record r = rec(&f, 0, f.subject, f.venue, 1000, HCODE_RECORD_IN, HCODE_GREEN, "");
    for (int i = 0; i < 3; i++)
        if (hcode_store_put(st, &r))
            FAIL("storing the same record id again failed: %s", hcode_store_errmsg(st));
    hcode_record b[2] = {r, rec(&f, 1, f.subject, f.venue, 1001, HCODE_RECORD_IN, HCODE_GREEN, "")};
    if (hcode_store_put_batch(st, b, 2))
        FAIL("a batch repeating a stored id failed: %s", hcode_store_errmsg(st));
    got g = {0};
    if (hcode_store_query_subject(st, f.subject, 0, INT64_MAX, collect, &g))
        FAIL("query failed");
    if (g.n != 2)
        FAIL("record id stored %zu times (expected 2 distinct records)", g.n);
    return NULL;
}

static const char *ranges(hcode_store *st)
{
    fixture f;
    fixture_init(&f);
    int64_t t[] = {100, 200, 299, 300};
    for (int i = 0; i < 4; i++) {
        hcode_record r = rec(&f, i, f.subject, f.venue, t[i], HCODE_RECORD_IN, HCODE_GREEN, "");
        if (hcode_store_put(st, &r))
            FAIL("put failed: %s", hcode_store_errmsg(st));
    }
    got g = {0};
    if (hcode_store_query_subject(st, f.subject, 200, 300, collect, &g))
        FAIL("query failed");
    if (g.n != 2 || find(&g, f.ids[1]) < 0 || find(&g, f.ids[2]) < 0)
        FAIL("query_subject [200,300) gave %zu records; want from inclusive, to exclusive (2)", g.n);
    got v = {0};
    if (hcode_store_query_venue(st, f.venue, 100, 201, collect, &v))
        FAIL("query failed");
    if (v.n != 2 || find(&v, f.ids[0]) < 0 || find(&v, f.ids[1]) < 0)
        FAIL("query_venue [100,201) gave %zu records, want 2", v.n);
    return NULL;
}

static const char *filters(hcode_store *st)
{
    fixture f;
    fixture_init(&f);
    hcode_record rs[4] = {
        rec(&f, 0, f.subject, f.venue, 500, HCODE_RECORD_IN, HCODE_GREEN, ""),
        rec(&f, 1, f.subject2, f.venue, 510, HCODE_RECORD_IN, HCODE_GREEN, ""),
        rec(&f, 2, f.subject, f.venue2, 520, HCODE_RECORD_OUT, HCODE_GREEN, "g1"),
        rec(&f, 3, f.subject2, f.venue2, 530, HCODE_RECORD_IN, HCODE_RED, "g1"),
    };
    for (int i = 0; i < 4; i++)
        if (hcode_store_put(st, &rs[i]))
            FAIL("put failed: %s", hcode_store_errmsg(st));
    got g = {0};
    if (hcode_store_query_subject(st, f.subject, 0, 1000, collect, &g))
        FAIL("query failed");
    if (g.n != 2 || find(&g, f.ids[0]) < 0 || find(&g, f.ids[2]) < 0)
        FAIL("query_subject returned other subjects' records");
    int i2 = find(&g, f.ids[2]);
    if (g.r[i2].kind != HCODE_RECORD_OUT)
        FAIL("check-out stored as kind %d", g.r[i2].kind);
    got v = {0};
    if (hcode_store_query_venue(st, f.venue2, 0, 1000, collect, &v))
        FAIL("query failed");
    int i3 = find(&v, f.ids[3]);
    if (v.n != 2 || i3 < 0 || v.r[i3].status != HCODE_RED || strcmp(v.gates[i3], "g1"))
        FAIL("query_venue returned other venues' records or lost fields");
    return NULL;
}

static const char *batch(hcode_store *st)
{
    fixture f;
    fixture_init(&f);
    hcode_record rs[50];
    for (int i = 0; i < 50; i++)
        rs[i] = rec(&f, i, i % 2 ? f.subject : f.subject2, f.venue, 10000 + i, HCODE_RECORD_IN, HCODE_GREEN, "");
    if (hcode_store_put_batch(st, rs, 50))
        FAIL("put_batch failed: %s", hcode_store_errmsg(st));
    got v = {0};
    if (hcode_store_query_venue(st, f.venue, 0, INT64_MAX, collect, &v))
        FAIL("query failed");
    if (v.n != 50)
        FAIL("put_batch of 50 gave %zu records back", v.n);
    return NULL;
}

static int stop_cb(const hcode_record *r, void *data)
{
    (void)r;
    (*(int *)data)++;
    return 42;
}

static const char *stop(hcode_store *st)
{
    fixture f;
    fixture_init(&f);
    for (int i = 0; i < 3; i++) {
        hcode_record r = rec(&f, i, f.subject, f.venue, 100 + i, HCODE_RECORD_IN, HCODE_GREEN, "");
        if (hcode_store_put(st, &r))
            FAIL("put failed: %s", hcode_store_errmsg(st));
    }
    int calls = 0;
    int rc = hcode_store_query_subject(st, f.subject, 0, 1000, stop_cb, &calls);
    if (rc != 42 || calls != 1)
        FAIL("a callback returning 42 gave %d after %d calls (want 42 after 1)", rc, calls);
    calls = 0;
    rc = hcode_store_query_venue(st, f.venue, 0, 1000, stop_cb, &calls);
    if (rc != 42 || calls != 1)
        FAIL("query_venue: a callback returning 42 gave %d after %d calls", rc, calls);
    return NULL;
}

static const char *rejects_bad_records(hcode_store *st)
{
    fixture f;
    fixture_init(&f);
    hcode_record r = rec(&f, 0, "NOT-HEX", f.venue, 1, HCODE_RECORD_IN, HCODE_GREEN, "");
    if (hcode_store_put(st, &r) != HCODE_EINVAL)
        FAIL("a record with a bad subject was not refused with HCODE_EINVAL");
    r = rec(&f, 0, f.subject, f.venue, 1, 7, HCODE_GREEN, "");
    if (hcode_store_put(st, &r) != HCODE_EINVAL)
        FAIL("a record with a bad kind was not refused");
    got g = {0};
    if (hcode_store_query_subject(st, f.subject, 0, INT64_MAX, collect, &g) || g.n)
        FAIL("a refused record was stored");
    return NULL;
}

static const char *audit_log(hcode_store *st)
{
    /* Through the public API: a context with an audit key appends lines. */
    hcode_ctx *ctx = NULL;
    hcode_keypair *kp = NULL;
    if (hcode_ctx_new(&ctx) || hcode_keypair_generate(&kp, NULL) || hcode_ctx_set_audit_key(ctx, kp))
        FAIL("setup failed");
    hcode_keypair_free(kp);
    /* The context must not free the caller's store: wrap by borrowing. */
    if (hcode_ctx_set_store(ctx, st)) {
        hcode_ctx_free(ctx);
        FAIL("set_store failed");
    }
    const char *res = NULL;
    int rc = hcode_audit_append(ctx, "op", "contract", "q1", 1);
    if (rc == HCODE_EAUDIT && !strstr(hcode_errmsg(ctx), "keeps no audit log"))
        res = "audit_append failed";
    if (!res && rc == 0) {
        if (hcode_audit_append(ctx, "op", "contract", "q2", 2) || hcode_audit_append(ctx, "op", "contract", "q3", 3))
            res = "audit_append failed";
        hcode_audit_report *r = NULL;
        if (!res && (hcode_audit_verify(ctx, NULL, &r) || !hcode_audit_report_ok(r) ||
                     hcode_audit_report_entries(r) < 3))
            res = "audit log written through the backend does not verify";
        hcode_audit_report_free(r);
    }
    /* hand the store back to the caller */
    ctx->store = NULL;
    hcode_ctx_free(ctx);
    return res;
}

const contract_case contract_cases[] = {
    {"roundtrip", roundtrip},   {"idempotent", idempotent},
    {"ranges", ranges},         {"filters", filters},
    {"batch", batch},           {"stop", stop},
    {"rejects_bad_records", rejects_bad_records},
    {"audit_log", audit_log},
};
const size_t contract_ncases = sizeof contract_cases / sizeof contract_cases[0];

const char *contract_run(size_t i, contract_factory make, void *arg)
{
    hcode_store *st = NULL;
    int rc = make(&st, arg);
    if (rc)
        FAIL("%s: cannot open the store: %s", contract_cases[i].name, hcode_strerror(rc));
    const char *m = contract_cases[i].run(st);
    hcode_store_free(st);
    if (m && m != msg)
        snprintf(msg, sizeof msg, "%s", m);
    if (m) {
        char tmp[sizeof msg];
        memcpy(tmp, msg, sizeof tmp);
        snprintf(msg, sizeof msg, "%s: %.400s", contract_cases[i].name, tmp);
        return msg;
    }
    return NULL;
}
