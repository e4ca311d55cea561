/* The hash-chained, signed audit log (format: include/hcode/audit.h). */
#include "store-private.h"
#include "audit-private.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define AUDIT_CONTEXT "hcode-audit-v1"
#define HASH_HEX 64
#define SIG_HEX 128
#define AUDIT_LINE_MAX 8192

struct hcode_audit_report {
    bool ok, sigs;
    uint64_t entries, bad;
    char problem[256];
};

int hcode_ctx_set_audit_key(hcode_ctx *ctx, const hcode_keypair *kp)
{
    if (!ctx || !kp)
        return HCODE_EINVAL;
    hcode_keypair *copy = sodium_malloc(sizeof *copy);
    if (!copy)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    memcpy(copy, kp, sizeof *copy);
    hcode_keypair_free(ctx->audit_key);
    ctx->audit_key = copy;
    return HCODE_OK;
}

int hcode_ctx_set_audit_head_file(hcode_ctx *ctx, const char *path)
{
    if (!ctx)
        return HCODE_EINVAL;
    char *p = NULL;
    if (path && !(p = strdup(path)))
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    free(ctx->audit_head);
    ctx->audit_head = p;
    return HCODE_OK;
}

int hcode__audit_ready(hcode_ctx *ctx, const char *op, const char *purpose)
{
    if (!op || !*op || !purpose || !*purpose)
        return hcode__err(ctx, HCODE_EINVAL, "an operator and a purpose are required for the audit log");
    if (!hcode__text_ok(op, HCODE_AUDIT_TEXT_MAX) || !hcode__text_ok(purpose, HCODE_AUDIT_TEXT_MAX))
        return hcode__err(ctx, HCODE_EINVAL, "operator and purpose must be 1..%d bytes of text",
                          HCODE_AUDIT_TEXT_MAX);
    if (!ctx->store)
        return hcode__err(ctx, HCODE_EINVAL, "no store: call hcode_ctx_set_store() first");
    if (!ctx->audit_key)
        return hcode__err(ctx, HCODE_EAUDIT, "no audit key: the query would not be audited, so it does not run");
    if (!hcode__store_has_audit(ctx->store))
        return hcode__err(ctx, HCODE_EAUDIT, "the storage backend keeps no audit log, so the query does not run");
    return HCODE_OK;
}

static void entry_hash(uint8_t h[32], const char *body, size_t len)
{
    crypto_generichash_state s;
    crypto_generichash_init(&s, NULL, 0, 32);
    crypto_generichash_update(&s, (const uint8_t *)AUDIT_CONTEXT, strlen(AUDIT_CONTEXT));
    crypto_generichash_update(&s, (const uint8_t *)body, len);
    crypto_generichash_final(&s, h, 32);
}

/* The last entry's seq and hash ("0"*64 when the log is empty). */
struct last {
    uint64_t seq;
    char hash[HASH_HEX + 1];
    bool bad;
};

static int last_cb(const char *line, void *data)
{
    struct last *l = data;
    json_t *o = json_loads(line, 0, NULL);
    json_t *seq = json_object_get(o, "seq"), *hash = json_object_get(o, "hash");
    if (!json_is_integer(seq) || !json_is_string(hash) || strlen(json_string_value(hash)) != HASH_HEX) {
        l->bad = true;
    } else {
        l->seq = (uint64_t)json_integer_value(seq);
        memcpy(l->hash, json_string_value(hash), HASH_HEX + 1);
    }
    json_decref(o);
    return 0;
}

static int write_head(hcode_ctx *ctx, uint64_t seq, const char *hash, const char *sig)
{
    char tmp[4096], text[512];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", ctx->audit_head);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return hcode__err(ctx, HCODE_EAUDIT, "audit head path too long");
    int len = snprintf(text, sizeof text, "{\"seq\":%llu,\"hash\":\"%s\",\"sig\":\"%s\"}\n",
                       (unsigned long long)seq, hash, sig);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return hcode__err(ctx, HCODE_EAUDIT, "%s: %s", tmp, strerror(errno));
    bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    ok = (close(fd) == 0) && ok;
    if (!ok || rename(tmp, ctx->audit_head) != 0) {
        unlink(tmp);
        return hcode__err(ctx, HCODE_EAUDIT, "%s: cannot write the audit head", ctx->audit_head);
    }
    return HCODE_OK;
}

/* One attempt: builds the entry after (seq, prev) and appends it. */
static int append_after(hcode_ctx *ctx, uint64_t seq, const char *prev, const char *op, const char *purpose,
                        const char *query, uint64_t count, char hhex[HASH_HEX + 1], char shex[SIG_HEX + 1])
{
    json_t *o = json_pack("{s:i,s:I,s:I,s:s,s:s,s:s,s:I,s:s,s:s}", "v", 1, "seq", (json_int_t)seq + 1, "time",
                          (json_int_t)hcode_time_now(), "operator", op, "purpose", purpose, "query",
                          query ? query : "", "count", (json_int_t)count, "kid", ctx->audit_key->kid_hex, "prev",
                          prev);
    char *body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (!body) /* every text was checked by hcode__text_ok: only memory can fail here */
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    size_t blen = strlen(body) - 1; /* without the closing brace */
    uint8_t h[32], sig[64];
    entry_hash(h, body, blen);
    crypto_sign_detached(sig, NULL, h, sizeof h, ctx->audit_key->sk);
    hcode__hex(hhex, h, 32);
    hcode__hex(shex, sig, 64);
    size_t cap = blen + HASH_HEX + SIG_HEX + 32;
    char *line = malloc(cap);
    if (!line) {
        free(body);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    snprintf(line, cap, "%.*s,\"hash\":\"%s\",\"sig\":\"%s\"}", (int)blen, body, hhex, shex);
    free(body);
    if (strlen(line) > AUDIT_LINE_MAX) {
        free(line);
        return hcode__err(ctx, HCODE_ELIMIT, "audit entry longer than %d bytes", AUDIT_LINE_MAX);
    }
    int rc = hcode__store_audit_append(ctx->store, line);
    free(line);
    return rc;
}

int hcode__audit_write(hcode_ctx *ctx, const char *op, const char *purpose, const char *query, uint64_t count)
{
    int rc = hcode__audit_ready(ctx, op, purpose);
    if (rc)
        return rc;
    char hhex[HASH_HEX + 1], shex[SIG_HEX + 1];
    /* The context remembers the last entry it saw; when another writer
     * appended meanwhile, a backend that keys entries by seq (SQLite)
     * refuses the append, and the log is read again once. */
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!ctx->audit_cached || attempt) {
            struct last l = {0, {0}, false};
            memset(l.hash, '0', HASH_HEX);
            rc = hcode__store_audit_read(ctx->store, last_cb, &l);
            if (rc == HCODE_ENOMEM) /* memory, not a broken log: the query is refused all the same */
                return hcode__err(ctx, HCODE_ENOMEM, "out of memory reading the audit log, query refused");
            if (rc)
                return hcode__err(ctx, HCODE_EAUDIT, "audit log unreadable, query refused: %s",
                                  hcode_store_errmsg(ctx->store));
            if (l.bad)
                return hcode__err(ctx, HCODE_EAUDIT, "the audit log's last entry is damaged; run 'hcode audit verify'");
            ctx->audit_seq = l.seq;
            memcpy(ctx->audit_hash, l.hash, sizeof ctx->audit_hash);
            ctx->audit_cached = true;
        }
        rc = append_after(ctx, ctx->audit_seq, ctx->audit_hash, op, purpose, query, count, hhex, shex);
        if (rc == 0)
            break;
        ctx->audit_cached = false;
        if (rc != HCODE_ESTORE)
            break;
    }
    if (rc == HCODE_ENOMEM)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory: audit entry not written, query refused");
    if (rc)
        return hcode__err(ctx, HCODE_EAUDIT, "audit entry not written, query refused: %s",
                          hcode_store_errmsg(ctx->store));
    ctx->audit_seq++;
    memcpy(ctx->audit_hash, hhex, sizeof ctx->audit_hash);
    if (ctx->audit_head)
        return write_head(ctx, ctx->audit_seq, hhex, shex);
    return HCODE_OK;
}

int hcode_audit_append(hcode_ctx *ctx, const char *op, const char *purpose, const char *query, uint64_t count)
{
    if (!ctx)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    if (query && !hcode__text_ok(query, AUDIT_LINE_MAX / 2))
        return hcode__err(ctx, HCODE_EINVAL, "query text must be valid UTF-8 without control characters");
    return hcode__audit_write(ctx, op, purpose, query, count);
}

/* ---- verification ------------------------------------------------------ */

struct vstate {
    hcode_audit_report *r;
    const uint8_t *pk;
    char kid[17];
    uint64_t n;
    char prev[HASH_HEX + 1];
    char (*hashes)[HASH_HEX + 1]; /* every entry's hash, for the head check */
    size_t cap;
    bool oom;
};

static int bad(struct vstate *v, const char *what)
{
    v->r->ok = false;
    v->r->bad = v->n;
    snprintf(v->r->problem, sizeof v->r->problem, "entry %llu: %s", (unsigned long long)v->n, what);
    return 1; /* stop */
}

static int verify_cb(const char *line, void *data)
{
    struct vstate *v = data;
    v->n++;
    const char *mark = NULL;
    for (const char *p = strstr(line, ",\"hash\":\""); p; p = strstr(p + 1, ",\"hash\":\""))
        mark = p;
    json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
    json_t *seq = json_object_get(o, "seq"), *prev = json_object_get(o, "prev"), *hash = json_object_get(o, "hash"),
           *sig = json_object_get(o, "sig"), *kid = json_object_get(o, "kid");
    if (!o || !mark || !json_is_integer(seq) || !json_is_string(prev) || !json_is_string(hash) ||
        !json_is_string(sig) || !json_is_string(kid) || strlen(json_string_value(hash)) != HASH_HEX) {
        json_decref(o);
        return bad(v, "not a well-formed audit entry (edited)");
    }
    uint8_t h[32];
    char hhex[HASH_HEX + 1];
    entry_hash(h, line, (size_t)(mark - line));
    hcode__hex(hhex, h, 32);
    int rc = 0;
    if (strcmp(hhex, json_string_value(hash)) != 0)
        rc = bad(v, "hash mismatch (edited)");
    else if ((uint64_t)json_integer_value(seq) != v->n || strcmp(json_string_value(prev), v->prev) != 0)
        rc = bad(v, (uint64_t)json_integer_value(seq) > v->n
                        ? "does not follow the previous entry (an entry was removed)"
                        : "does not follow the previous entry (entries inserted or reordered)");
    else if (v->pk) {
        uint8_t s[64];
        const char *sh = json_string_value(sig);
        if (strcmp(json_string_value(kid), v->kid) != 0)
            rc = bad(v, "signed by another audit key");
        else if (hcode__unhex(s, 64, sh, strlen(sh)) || crypto_sign_verify_detached(s, h, 32, v->pk) != 0)
            rc = bad(v, "bad signature (forged)");
    }
    if (!rc) {
        memcpy(v->prev, hhex, sizeof v->prev);
        if (v->n > v->cap) {
            size_t nc = v->cap ? v->cap * 2 : 64;
            void *q = realloc(v->hashes, nc * sizeof *v->hashes);
            if (!q) {
                v->oom = true;
                rc = 1;
            } else {
                v->hashes = q;
                v->cap = nc;
            }
        }
        if (!rc)
            memcpy(v->hashes[v->n - 1], hhex, HASH_HEX + 1);
    }
    json_decref(o);
    return rc;
}

static void check_head(hcode_ctx *ctx, struct vstate *v)
{
    char *text = NULL;
    size_t len = 0;
    if (access(ctx->audit_head, F_OK) != 0)
        return;
    hcode_audit_report *r = v->r;
    if (hcode__read_file(ctx, ctx->audit_head, 4096, &text, &len) != 0) {
        r->ok = false;
        snprintf(r->problem, sizeof r->problem, "audit head %s unreadable", ctx->audit_head);
        return;
    }
    json_t *o = json_loads(text, 0, NULL);
    free(text);
    json_t *seq = json_object_get(o, "seq"), *hash = json_object_get(o, "hash"), *sig = json_object_get(o, "sig");
    if (!json_is_integer(seq) || !json_is_string(hash) || !json_is_string(sig) ||
        strlen(json_string_value(hash)) != HASH_HEX) {
        r->ok = false;
        snprintf(r->problem, sizeof r->problem, "audit head %s is damaged", ctx->audit_head);
        json_decref(o);
        return;
    }
    uint64_t hs = (uint64_t)json_integer_value(seq);
    uint8_t h[32], s[64];
    const char *sh = json_string_value(sig);
    if (v->pk && (hcode__unhex(h, 32, json_string_value(hash), HASH_HEX) || hcode__unhex(s, 64, sh, strlen(sh)) ||
                  crypto_sign_verify_detached(s, h, 32, v->pk) != 0)) {
        r->ok = false;
        snprintf(r->problem, sizeof r->problem, "audit head %s has a bad signature", ctx->audit_head);
    } else if (hs > v->n) {
        r->ok = false;
        snprintf(r->problem, sizeof r->problem,
                 "the log ends at entry %llu but the signed head is entry %llu (entries were removed)",
                 (unsigned long long)v->n, (unsigned long long)hs);
    } else if (hs > 0 && strcmp(v->hashes[hs - 1], json_string_value(hash)) != 0) {
        r->ok = false;
        r->bad = hs;
        snprintf(r->problem, sizeof r->problem, "entry %llu differs from the signed head (log rewritten)",
                 (unsigned long long)hs);
    }
    json_decref(o);
}

int hcode_audit_verify(hcode_ctx *ctx, const uint8_t *pk, hcode_audit_report **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!ctx)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    if (!ctx->store)
        return hcode__err(ctx, HCODE_EINVAL, "no store: call hcode_ctx_set_store() first");
    if (!hcode__store_has_audit(ctx->store))
        return hcode__err(ctx, HCODE_EUNSUPPORTED, "the storage backend keeps no audit log");
    hcode_audit_report *r = calloc(1, sizeof *r);
    if (!r)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    r->ok = true;
    r->sigs = pk != NULL;
    struct vstate v = {.r = r, .pk = pk};
    memset(v.prev, '0', HASH_HEX);
    v.prev[HASH_HEX] = '\0';
    if (pk) {
        uint8_t kid[HCODE__KID_BYTES];
        hcode__kid_from_pk(kid, pk);
        hcode__hex(v.kid, kid, sizeof kid);
    }
    int rc = hcode__store_audit_read(ctx->store, verify_cb, &v);
    if (v.oom) {
        free(v.hashes);
        free(r);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    if (rc && rc != 1) {
        free(v.hashes);
        free(r);
        return hcode__err(ctx, rc, "audit log unreadable: %s", hcode_store_errmsg(ctx->store));
    }
    r->entries = v.n;
    if (r->ok && ctx->audit_head)
        check_head(ctx, &v);
    free(v.hashes);
    *out = r;
    return HCODE_OK;
}

void hcode_audit_report_free(hcode_audit_report *r) { free(r); }
int hcode_audit_report_ok(const hcode_audit_report *r) { return r && r->ok; }
uint64_t hcode_audit_report_entries(const hcode_audit_report *r) { return r ? r->entries : 0; }
uint64_t hcode_audit_report_bad_entry(const hcode_audit_report *r) { return r ? r->bad : 0; }
const char *hcode_audit_report_problem(const hcode_audit_report *r) { return r ? r->problem : "no report"; }
int hcode_audit_report_signed(const hcode_audit_report *r) { return r && r->sigs; }

int hcode_purge(hcode_ctx *ctx, int64_t before, const char *op, const char *purpose, uint64_t *removed)
{
    if (!ctx || !removed)
        return HCODE_EINVAL;
    *removed = 0;
    hcode__clear_err(ctx);
    int rc = hcode__audit_ready(ctx, op, purpose);
    if (rc)
        return rc;
    uint64_t n = 0;
    rc = hcode__store_purge_before(ctx->store, before, &n);
    if (rc)
        return hcode__err(ctx, rc, "purge failed: %s", hcode_store_errmsg(ctx->store));
    char q[64];
    snprintf(q, sizeof q, "purge before=%lld", (long long)before);
    rc = hcode__audit_write(ctx, op, purpose, q, n);
    *removed = n;
    return rc;
}
