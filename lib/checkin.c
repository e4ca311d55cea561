/* Check-in and check-out: verify both codes, apply the venue policy,
 * record through the store, acknowledge only what the store confirmed. */
#include "store-private.h"
#include "trustx-private.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hcode_admission {
    bool admitted;
    const char *reason;   /* static string */
    char message[200];
    int status;
    char subject[33];
    char venue_id[HCODE_TEXT_MAX + 1];
    char record_id[33];
    int64_t at;
    bool manual_check;    /* admitted on condition that staff check the identity */
    bool presentation;    /* the person showed a dynamic presentation */
};

static void deny(hcode_admission *a, const char *reason, const char *fmt, ...) HCODE__PRINTF(3, 4);
static void deny(hcode_admission *a, const char *reason, const char *fmt, ...)
{
    a->admitted = false;
    a->reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->message, sizeof a->message, fmt, ap);
    va_end(ap);
}

/* The verification step of a gate: both codes, with the context's trust,
 * revocation lists and presentation settings. The person may show a
 * person code or a dynamic presentation (HCD1:) of one. Returns true when
 * both codes are good; otherwise fills the denial. At an exit gate
 * (checkin false) a presentation already used to enter, or a bare
 * holder-bound code where presentations are required, still lets the
 * person leave: every other check passed before those verdicts. */
static bool verify_codes(hcode_ctx *ctx, const char *person, const char *venue, int64_t at, bool checkin,
                         hcode_admission *a, hcode_verdict *pv, hcode_verdict *vv)
{
    hcode__verify_into(ctx, venue, strlen(venue), at, vv);
    if (vv->code == HCODE_V_VALID && vv->kind != HCODE_KIND_VENUE) {
        deny(a, "not_a_venue_code", "the venue code is a %s code", hcode_kind_name(vv->kind));
        return false;
    }
    if (vv->code != HCODE_V_VALID) {
        deny(a, hcode_verdict_name(vv->code), "venue code: %s", vv->message);
        return false;
    }
    snprintf(a->venue_id, sizeof a->venue_id, "%s", vv->venue_id);
    hcode__verify_into(ctx, person, strlen(person), at, pv);
    bool person_kind = pv->kind == HCODE_KIND_PERSON || pv->kind == HCODE_KIND_PRESENTATION;
    if (pv->code == HCODE_V_VALID && !person_kind) {
        deny(a, "not_a_person_code", "the person code is a %s code", hcode_kind_name(pv->kind));
        return false;
    }
    if (person_kind && pv->subject[0]) {
        snprintf(a->subject, sizeof a->subject, "%s", pv->subject);
        a->status = pv->status;
    }
    a->presentation = pv->kind == HCODE_KIND_PRESENTATION;
    if (!checkin && (pv->code == HCODE_V_REPLAYED || pv->code == HCODE_V_HOLDER_BINDING_REQUIRED))
        return true;
    if (pv->code != HCODE_V_VALID) {
        deny(a, hcode_verdict_name(pv->code), "%s: %s", a->presentation ? "presentation" : "person code",
             pv->message);
        return false;
    }
    return true;
}

/* The venue policy. Returns true when admitted (a->manual_check set when
 * only on condition of a manual identity check). */
static bool apply_policy(const hcode_ctx *ctx, const hcode_policy *p, const hcode_verdict *pv, int64_t at,
                         hcode_admission *a)
{
    bool require = hcode_policy_require_presentation(p) || (ctx->ts && ctx->ts->require_presentation);
    if (require && pv->kind == HCODE_KIND_PERSON && pv->has_holder) {
        deny(a, "holder_binding_required", "this code is bound to a phone: show its live presentation, not the code");
        return false;
    }
    if (!hcode_policy_admits(p, pv->status)) {
        deny(a, "status_not_admitted", "status %s is not admitted at this venue", hcode_status_name(pv->status));
        return false;
    }
    int64_t max_age = hcode_policy_max_code_age(p);
    if (max_age > 0 && at - pv->iat > max_age) {
        deny(a, "code_too_old", "code issued %lld s ago; this venue accepts at most %lld s",
             (long long)(at - pv->iat), (long long)max_age);
        return false;
    }
    if (pv->flags & HCODE_FLAG_PRINTED) {
        int m = hcode_policy_printed(p);
        if (m == HCODE_PRINTED_REJECT) {
            deny(a, "printed_not_accepted", "printed codes are not accepted at this venue");
            return false;
        }
        if (m == HCODE_PRINTED_MANUAL)
            a->manual_check = true;
    }
    return true;
}

/* A presentation that admits someone is used up: in the store's shared
 * replay cache when the backend has one (so another process, e.g. the
 * next `hcode checkin`, refuses it too), and in the context's own cache.
 * Returns HCODE_OK, HCODE_EEXIST (already used: replayed) or an error. */
static int consume(hcode_ctx *ctx, const hcode_verdict *pv)
{
    if (hcode__store_has_consume(ctx->store)) {
        int rc = hcode__store_consume(ctx->store, pv->pres_id, pv->pres_until, pv->checked_at);
        if (rc == HCODE_EEXIST)
            return rc;
        if (rc)
            return hcode__err(ctx, rc, "presentation not recorded as used: %s", hcode_store_errmsg(ctx->store));
        /* the store is authoritative; the context's cache only saves a
         * lookup, so running out of memory here is harmless */
        if (hcode_presentation_consume(ctx, pv) != HCODE_OK)
            hcode__clear_err(ctx);
        return HCODE_OK;
    }
    int rc = hcode_presentation_consume(ctx, pv);
    return rc == HCODE_EEXIST ? rc : rc ? hcode__err(ctx, rc, "out of memory") : HCODE_OK;
}

struct readback {
    const char *id;
    bool found;
};

static int readback_cb(const hcode_record *r, void *data)
{
    struct readback *rb = data;
    if (!strcmp(r->record_id, rb->id))
        rb->found = true;
    return 0;
}

static int record(hcode_ctx *ctx, hcode_admission *a, int kind, const char *gate)
{
    uint8_t rid[16];
    randombytes_buf(rid, sizeof rid);
    hcode__hex(a->record_id, rid, sizeof rid);
    hcode_record r = {a->record_id, a->subject, a->venue_id, gate ? gate : "", a->at, kind, a->status};
    int rc = hcode_store_put(ctx->store, &r);
    if (rc) {
        a->record_id[0] = '\0';
        return hcode__err(ctx, rc, "check-in not recorded: %s", hcode_store_errmsg(ctx->store));
    }
    /* Acknowledge only what the store gives back. */
    struct readback rb = {a->record_id, false};
    rc = hcode_store_query_subject(ctx->store, a->subject, a->at, a->at + 1, readback_cb, &rb);
    if (rc) {
        a->record_id[0] = '\0';
        return hcode__err(ctx, rc, "check-in not confirmed: %s", hcode_store_errmsg(ctx->store));
    }
    if (!rb.found) {
        a->record_id[0] = '\0';
        return hcode__err(ctx, HCODE_ESTORE, "check-in not confirmed: the storage backend reported success "
                                             "but does not return the record");
    }
    return HCODE_OK;
}

static int gate_pass(hcode_ctx *ctx, const char *person, const char *venue, const char *gate, int64_t at,
                     hcode_admission **out, int kind)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!ctx)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    if (!person || !venue)
        return hcode__err(ctx, HCODE_EINVAL, "person and venue payloads are required");
    if (gate && gate[0] && !hcode__text_ok(gate, HCODE_TEXT_MAX))
        return hcode__err(ctx, HCODE_EINVAL, "gate id must be 1..%d bytes of text", HCODE_TEXT_MAX);
    if (!ctx->store)
        return hcode__err(ctx, HCODE_EINVAL, "no store: call hcode_ctx_set_store() first");
    hcode_admission *a = calloc(1, sizeof *a);
    hcode_verdict *pv = malloc(sizeof *pv), *vv = malloc(sizeof *vv);
    int rc = HCODE_OK;
    if (!a || !pv || !vv) {
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
        goto out;
    }
    a->status = -1;
    a->at = hcode__resolve_at(at);
    pv->code = vv->code = HCODE_V_MALFORMED; /* until verified */
    bool in = kind == HCODE_RECORD_IN;
    bool good = verify_codes(ctx, person, venue, a->at, in, a, pv, vv);
    if (vv->code == HCODE__V_NOMEM || pv->code == HCODE__V_NOMEM) {
        /* decoding ran out of memory: an error, never a "malformed" denial */
        rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory while verifying");
        goto out;
    }
    if (good && (!in || apply_policy(ctx, ctx->policy, pv, a->at, a))) {
        if (in && a->presentation) {
            rc = consume(ctx, pv);
            if (rc == HCODE_EEXIST) {
                rc = HCODE_OK;
                a->manual_check = false;
                deny(a, "replayed", "presentation: already admitted someone");
                goto done;
            }
            if (rc)
                goto out;
        }
        rc = record(ctx, a, kind, gate);
        if (rc)
            goto out;
        a->admitted = true;
        if (a->manual_check) {
            a->reason = "manual_identity_check";
            snprintf(a->message, sizeof a->message, "printed code: staff must check the holder's identity");
        } else {
            a->reason = in ? "admitted" : "checked_out";
            a->message[0] = '\0';
        }
    }
done:
    *out = a;
    a = NULL;
out:
    free(a);
    free(pv);
    free(vv);
    return rc;
}

int hcode_checkin(hcode_ctx *ctx, const char *person, const char *venue, const char *gate, int64_t at,
                  hcode_admission **out)
{
    return gate_pass(ctx, person, venue, gate, at, out, HCODE_RECORD_IN);
}

int hcode_checkout(hcode_ctx *ctx, const char *person, const char *venue, const char *gate, int64_t at,
                   hcode_admission **out)
{
    return gate_pass(ctx, person, venue, gate, at, out, HCODE_RECORD_OUT);
}

void hcode_admission_free(hcode_admission *a) { free(a); }
int hcode_admission_admitted(const hcode_admission *a) { return a && a->admitted; }
const char *hcode_admission_reason(const hcode_admission *a) { return a && a->reason ? a->reason : "malformed"; }
const char *hcode_admission_message(const hcode_admission *a) { return a ? a->message : ""; }
int hcode_admission_status(const hcode_admission *a) { return a ? a->status : -1; }
const char *hcode_admission_subject(const hcode_admission *a) { return a ? a->subject : ""; }
const char *hcode_admission_venue_id(const hcode_admission *a) { return a ? a->venue_id : ""; }
int64_t hcode_admission_at(const hcode_admission *a) { return a ? a->at : 0; }
const char *hcode_admission_record_id(const hcode_admission *a) { return a ? a->record_id : ""; }
int hcode_admission_manual_check(const hcode_admission *a) { return a && a->admitted && a->manual_check; }
int hcode_admission_presentation(const hcode_admission *a) { return a && a->presentation; }

int hcode_admission_to_json(const hcode_admission *a, char **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!a)
        return HCODE_EINVAL;
    const char *st = hcode_status_name(a->status);
    json_t *o = json_pack("{s:b,s:s,s:o,s:o,s:o,s:I,s:o,s:s,s:b,s:b}", "admitted", a->admitted, "reason",
                          hcode_admission_reason(a), "status", st ? json_string(st) : json_null(), "subject",
                          a->subject[0] ? json_string(a->subject) : json_null(), "venue_id",
                          a->venue_id[0] ? json_string(a->venue_id) : json_null(), "at", (json_int_t)a->at,
                          "record_id", a->record_id[0] ? json_string(a->record_id) : json_null(), "message",
                          a->message, "manual_check", hcode_admission_manual_check(a), "presentation",
                          a->presentation);
    if (!o)
        return HCODE_ENOMEM;
    *out = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return *out ? HCODE_OK : HCODE_ENOMEM;
}
