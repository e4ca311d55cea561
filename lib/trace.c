/* Reverse tracing, exactly as tracing.md defines presence and contact,
 * through the store's query_subject/query_venue only. */
#include "store-private.h"
#include "audit-private.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct trec {
    char subject[33];
    char venue[HCODE_TEXT_MAX + 1];
    int64_t at;
    int kind;
} trec;

typedef struct reclist {
    trec *v;
    size_t n, cap;
    size_t *budget;   /* records left for this trace */
} reclist;

typedef struct hit {
    char subject[33];
    char venue[HCODE_TEXT_MAX + 1];
    int64_t start, seconds;
    int depth;
} hit;

typedef struct hitlist {
    hit *v;
    size_t n, cap;
} hitlist;

typedef struct visit {
    char venue[HCODE_TEXT_MAX + 1];
    int64_t start, end;
} visit;

struct hcode_trace {
    hitlist contacts;
    visit *visits;
    size_t nvisits, capvisits;
};

typedef struct tctx {
    hcode_ctx *ctx;
    hcode_store *st;
    int64_t dwell;
    size_t budget;
} tctx;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return HCODE_ENOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

static int collect_cb(const hcode_record *r, void *data)
{
    reclist *l = data;
    if (*l->budget == 0)
        return HCODE_ELIMIT;
    if (grow((void **)&l->v, &l->cap, l->n + 1, sizeof *l->v))
        return HCODE_ENOMEM;
    (*l->budget)--;
    trec *t = &l->v[l->n++];
    memcpy(t->subject, r->subject, 33);
    snprintf(t->venue, sizeof t->venue, "%s", r->venue_id);
    t->at = r->at;
    t->kind = r->kind;
    return 0;
}

static int by_time(const void *a, const void *b)
{
    const trec *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->kind - y->kind;
}

static int by_subject_time(const void *a, const void *b)
{
    const trec *x = a, *y = b;
    int c = strcmp(x->subject, y->subject);
    return c ? c : by_time(a, b);
}

static int query_err(tctx *t, int rc)
{
    if (rc == HCODE_ELIMIT)
        return hcode__err(t->ctx, rc, "trace reads more than %d records; narrow the window", HCODE_TRACE_MAX_RECORDS);
    return hcode__err(t->ctx, rc, "trace query failed: %s", hcode_store_errmsg(t->st));
}

/* The subject's presence intervals clipped to [lo, hi). */
static int presence(tctx *t, const char *subject, int64_t lo, int64_t hi, visit **out, size_t *nout,
                    size_t *cap)
{
    reclist l = {NULL, 0, 0, &t->budget};
    int rc = hcode_store_query_subject(t->st, subject, lo - t->dwell, hi, collect_cb, &l);
    if (rc) {
        free(l.v);
        return query_err(t, rc);
    }
    if (l.n)
        qsort(l.v, l.n, sizeof *l.v, by_time);
    for (size_t i = 0; i < l.n; i++) {
        const trec *r = &l.v[i];
        if (r->kind != HCODE_RECORD_IN)
            continue;
        int64_t end = r->at + t->dwell;
        for (size_t j = i + 1; j < l.n; j++) {
            const trec *q = &l.v[j];
            if (q->at <= r->at)
                continue;
            if (q->at >= end)
                break;
            if (q->kind == HCODE_RECORD_IN || !strcmp(q->venue, r->venue)) {
                end = q->at;
                break;
            }
        }
        int64_t s = r->at > lo ? r->at : lo, e = end < hi ? end : hi;
        if (s >= e)
            continue;
        if (grow((void **)out, cap, *nout + 1, sizeof **out)) {
            free(l.v);
            return hcode__err(t->ctx, HCODE_ENOMEM, "out of memory");
        }
        visit *v = &(*out)[(*nout)++];
        memcpy(v->venue, r->venue, sizeof v->venue);
        v->start = s;
        v->end = e;
    }
    free(l.v);
    return 0;
}

static bool excluded(const char *subject, char (*ex)[33], size_t nex)
{
    for (size_t i = 0; i < nex; i++)
        if (!strcmp(ex[i], subject))
            return true;
    return false;
}

/* A presence at the venue overlapping the window, before "the next check-in
 * anywhere" has cut it short. */
typedef struct cand {
    const trec *r;
    int64_t s, e;
} cand;

typedef struct cands {
    cand *v;     /* grouped by subject (the venue's records are sorted so) */
    size_t n;
} cands;

static int cand_subject_cmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const cand *)elem)->r->subject);
}

/* A record of one of the candidates: a check-in anywhere after a
 * candidate's own check-in, and before its end, ends that presence. */
static int cut_cb(const hcode_record *rec, void *data)
{
    cands *c = data;
    if (rec->kind != HCODE_RECORD_IN)
        return 0;
    cand *hit = bsearch(rec->subject, c->v, c->n, sizeof *c->v, cand_subject_cmp);
    if (!hit)
        return 0;
    while (hit > c->v && !strcmp(hit[-1].r->subject, rec->subject))
        hit--;
    for (; hit < c->v + c->n && !strcmp(hit->r->subject, rec->subject); hit++)
        if (rec->at > hit->r->at && rec->at < hit->e)
            hit->e = rec->at;
    return 0;
}

static int cand_order(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    return strcmp(x->r->subject, y->r->subject);
}

/* venue, then subject, then time, then kind: a venue's records are one run,
 * a subject's records at a venue are in time order */
static int by_venue_subject_time(const void *a, const void *b)
{
    const trec *x = a, *y = b;
    int c = strcmp(x->venue, y->venue);
    if (c)
        return c;
    c = by_subject_time(a, b);
    return c ? c : x->kind - y->kind;
}

typedef struct vwin {
    const char *venue;
    int64_t a, b;
} vwin;

/* Everyone (but the excluded) present at w[i].venue during [w[i].a, w[i].b),
 * for every window: appends one hit per intersection. Three store calls
 * whatever the number of windows and the crowd: every venue window at once
 * (query_venues), then every candidate at once (query_subjects). */
static int present_at(tctx *t, const vwin *w, size_t nw, char (*ex)[33], size_t nex, int depth, hitlist *out)
{
    reclist l = {NULL, 0, 0, &t->budget};
    cands c = {NULL, 0};
    size_t ccap = 0;
    const char **subs = NULL, **vn = NULL;
    int64_t *vf = NULL, *vt = NULL, *sf = NULL, *st = NULL;
    int rc = 0;
    if (!nw)
        return 0;
    vn = malloc(nw * sizeof *vn);
    vf = malloc(nw * sizeof *vf);
    vt = malloc(nw * sizeof *vt);
    if (!vn || !vf || !vt) {
        rc = hcode__err(t->ctx, HCODE_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nw; i++) {
        vn[i] = w[i].venue;
        vf[i] = w[i].a - t->dwell;
        vt[i] = w[i].b;
    }
    rc = hcode_store_query_venues(t->st, vn, vf, vt, nw, collect_cb, &l);
    if (rc) {
        rc = query_err(t, rc);
        goto out;
    }
    /* windows of one venue may overlap: keep each record once */
    if (l.n) {
        qsort(l.v, l.n, sizeof *l.v, by_venue_subject_time);
        size_t o = 1;
        for (size_t i = 1; i < l.n; i++)
            if (by_venue_subject_time(&l.v[i], &l.v[o - 1]))
                l.v[o++] = l.v[i];
        l.n = o;
    }
    for (size_t k = 0; k < nw; k++) {
        int64_t a = w[k].a, b = w[k].b, qa = a - t->dwell;
        for (size_t i = 0; i < l.n; i++) {
            const trec *r = &l.v[i];
            if (strcmp(r->venue, w[k].venue) || r->kind != HCODE_RECORD_IN || r->at < qa || r->at >= b ||
                excluded(r->subject, ex, nex))
                continue;
            int64_t end = r->at + t->dwell;
            /* the next check-in or check-out of the same subject here */
            for (size_t j = i + 1; j < l.n && !strcmp(l.v[j].venue, r->venue) &&
                                   !strcmp(l.v[j].subject, r->subject) && l.v[j].at < b; j++)
                if (l.v[j].at > r->at) {
                    if (l.v[j].at < end)
                        end = l.v[j].at;
                    break;
                }
            int64_t s = r->at > a ? r->at : a, e = end < b ? end : b;
            if (s >= e)
                continue;
            if (grow((void **)&c.v, &ccap, c.n + 1, sizeof *c.v)) {
                rc = hcode__err(t->ctx, HCODE_ENOMEM, "out of memory");
                goto out;
            }
            c.v[c.n++] = (cand){r, s, e};
        }
    }
    if (c.n) {
        /* the next check-in anywhere else, for every candidate at once */
        qsort(c.v, c.n, sizeof *c.v, cand_order);
        subs = malloc(c.n * sizeof *subs);
        sf = malloc(c.n * sizeof *sf);
        st = malloc(c.n * sizeof *st);
        if (!subs || !sf || !st) {
            rc = hcode__err(t->ctx, HCODE_ENOMEM, "out of memory");
            goto out;
        }
        /* each candidate's own short window keeps every lookup to one
         * day's partition and a few index entries */
        for (size_t i = 0; i < c.n; i++) {
            subs[i] = c.v[i].r->subject;
            sf[i] = c.v[i].r->at + 1;
            st[i] = c.v[i].e;
        }
        rc = hcode_store_query_subjects(t->st, subs, sf, st, c.n, cut_cb, &c);
        if (rc) {
            rc = query_err(t, rc);
            goto out;
        }
    }
    for (size_t i = 0; i < c.n; i++) {
        const cand *k = &c.v[i];
        if (k->s >= k->e)
            continue;
        if (grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v)) {
            rc = hcode__err(t->ctx, HCODE_ENOMEM, "out of memory");
            goto out;
        }
        hit *h = &out->v[out->n++];
        memcpy(h->subject, k->r->subject, 33);
        snprintf(h->venue, sizeof h->venue, "%s", k->r->venue);
        h->start = k->s;
        h->seconds = k->e - k->s;
        h->depth = depth;
    }
out:
    free(vn);
    free(vf);
    free(vt);
    free(subs);
    free(sf);
    free(st);
    free(c.v);
    free(l.v);
    return rc;
}

static int hit_key_cmp(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    int c = strcmp(x->subject, y->subject);
    if (c)
        return c;
    c = strcmp(x->venue, y->venue);
    if (c)
        return c;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Merges hits of one (subject, venue): earliest start, summed seconds;
 * then drops those below min_overlap. */
static void merge_sum(hitlist *h, int64_t min_overlap)
{
    if (h->n)
        qsort(h->v, h->n, sizeof *h->v, hit_key_cmp);
    size_t o = 0;
    for (size_t i = 0; i < h->n;) {
        hit m = h->v[i];
        size_t j = i + 1;
        for (; j < h->n && !strcmp(h->v[j].subject, m.subject) && !strcmp(h->v[j].venue, m.venue); j++)
            m.seconds += h->v[j].seconds;
        if (m.seconds >= min_overlap)
            h->v[o++] = m;
        i = j;
    }
    h->n = o;
}

static int hit_order(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->depth != y->depth)
        return x->depth - y->depth;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    int c = strcmp(x->subject, y->subject);
    return c ? c : strcmp(x->venue, y->venue);
}

static int visit_order(const void *a, const void *b)
{
    const visit *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return strcmp(x->venue, y->venue);
}

/* Depth-1 hits of a subject over [from, to), merged and filtered. */
static int contacts_of(tctx *t, const char *subject, int64_t from, int64_t to, int64_t min_overlap,
                       char (*ex)[33], size_t nex, int depth, hitlist *out, visit **visits, size_t *nvisits,
                       size_t *capvisits)
{
    int rc = presence(t, subject, from, to, visits, nvisits, capvisits);
    vwin *w = NULL;
    if (!rc && *nvisits) {
        w = malloc(*nvisits * sizeof *w);
        if (!w)
            rc = hcode__err(t->ctx, HCODE_ENOMEM, "out of memory");
        for (size_t i = 0; w && i < *nvisits; i++)
            w[i] = (vwin){(*visits)[i].venue, (*visits)[i].start, (*visits)[i].end};
        if (!rc)
            rc = present_at(t, w, *nvisits, ex, nex, depth, out);
        free(w);
    }
    if (!rc)
        merge_sum(out, min_overlap);
    return rc;
}

static int check_common(hcode_ctx *ctx, int64_t from, int64_t to, int64_t *dwell, int64_t *min_overlap,
                        const char *op, const char *purpose)
{
    if (!ctx->store)
        return hcode__err(ctx, HCODE_EINVAL, "no store: call hcode_ctx_set_store() first");
    if (from >= to)
        return hcode__err(ctx, HCODE_EINVAL, "the window is empty: --from must be before --to");
    if (*dwell <= 0)
        *dwell = hcode_policy_dwell(ctx->policy);
    if (*dwell > 366LL * 86400)
        return hcode__err(ctx, HCODE_EINVAL, "dwell longer than 366 days");
    if (*min_overlap <= 0)
        *min_overlap = HCODE_TRACE_MIN_OVERLAP_DEFAULT;
    return hcode__audit_ready(ctx, op, purpose);
}

static hcode_trace *trace_alloc(void) { return calloc(1, sizeof(hcode_trace)); }

static int finish(hcode_ctx *ctx, hcode_trace *tr, const char *op, const char *purpose, const char *query,
                  hcode_trace **out)
{
    if (tr->contacts.n)
        qsort(tr->contacts.v, tr->contacts.n, sizeof *tr->contacts.v, hit_order);
    if (tr->nvisits)
        qsort(tr->visits, tr->nvisits, sizeof *tr->visits, visit_order);
    int rc = hcode__audit_write(ctx, op, purpose, query, tr->contacts.n);
    if (rc) {
        hcode_trace_free(tr);
        return rc;
    }
    *out = tr;
    return HCODE_OK;
}

int hcode_trace_subject(hcode_ctx *ctx, const char *pseudonym, int64_t from, int64_t to, int64_t dwell,
                        int depth, int64_t min_overlap, const char *op, const char *purpose, hcode_trace **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!ctx)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    if (!hcode__hex32_ok(pseudonym))
        return hcode__err(ctx, HCODE_EINVAL, "the pseudonym must be 32 lower-case hex characters");
    if (depth < 1 || depth > HCODE_TRACE_MAX_DEPTH)
        return hcode__err(ctx, HCODE_EINVAL, "depth must be 1 or 2");
    int rc = check_common(ctx, from, to, &dwell, &min_overlap, op, purpose);
    if (rc)
        return rc;
    tctx t = {ctx, ctx->store, dwell, HCODE_TRACE_MAX_RECORDS};
    hcode_trace *tr = trace_alloc();
    char (*ex)[33] = NULL;
    hitlist d2 = {0};
    if (!tr)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    char case_subject[1][33];
    memcpy(case_subject[0], pseudonym, 33);
    rc = contacts_of(&t, pseudonym, from, to, min_overlap, case_subject, 1, 1, &tr->contacts, &tr->visits,
                     &tr->nvisits, &tr->capvisits);
    if (rc)
        goto fail;
    if (depth == 2 && tr->contacts.n) {
        /* exclusions: the case and every depth-1 subject */
        ex = malloc((tr->contacts.n + 1) * sizeof *ex);
        if (!ex) {
            rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            goto fail;
        }
        size_t nex = 0;
        memcpy(ex[nex++], pseudonym, 33);
        for (size_t i = 0; i < tr->contacts.n; i++)
            if (!excluded(tr->contacts.v[i].subject, ex, nex))
                memcpy(ex[nex++], tr->contacts.v[i].subject, 33);
        for (size_t k = 1; k < nex; k++) {
            int64_t start = INT64_MAX;
            for (size_t i = 0; i < tr->contacts.n; i++)
                if (!strcmp(tr->contacts.v[i].subject, ex[k]) && tr->contacts.v[i].start < start)
                    start = tr->contacts.v[i].start;
            hitlist one = {0};
            visit *vv = NULL;
            size_t nv = 0, cv = 0;
            rc = contacts_of(&t, ex[k], start, to, min_overlap, ex, nex, 2, &one, &vv, &nv, &cv);
            free(vv);
            if (!rc && grow((void **)&d2.v, &d2.cap, d2.n + one.n, sizeof *d2.v))
                rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            if (!rc && one.n) {
                memcpy(d2.v + d2.n, one.v, one.n * sizeof *one.v);
                d2.n += one.n;
            }
            free(one.v);
            if (rc)
                goto fail;
        }
        /* one result per (subject, venue): the longest overlap, then the earliest */
        if (d2.n)
            qsort(d2.v, d2.n, sizeof *d2.v, hit_key_cmp);
        if (grow((void **)&tr->contacts.v, &tr->contacts.cap, tr->contacts.n + d2.n, sizeof *d2.v)) {
            rc = hcode__err(ctx, HCODE_ENOMEM, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < d2.n;) {
            hit best = d2.v[i];
            size_t j = i + 1;
            for (; j < d2.n && !strcmp(d2.v[j].subject, best.subject) && !strcmp(d2.v[j].venue, best.venue); j++)
                if (d2.v[j].seconds > best.seconds)
                    best = d2.v[j];
            tr->contacts.v[tr->contacts.n++] = best;
            i = j;
        }
    }
    free(ex);
    free(d2.v);
    char q[256];
    snprintf(q, sizeof q, "trace subject=%s from=%lld to=%lld dwell=%lld depth=%d min_overlap=%lld", pseudonym,
             (long long)from, (long long)to, (long long)dwell, depth, (long long)min_overlap);
    return finish(ctx, tr, op, purpose, q, out);
fail:
    free(ex);
    free(d2.v);
    hcode_trace_free(tr);
    return rc;
}

int hcode_trace_venue(hcode_ctx *ctx, const char *venue_id, int64_t from, int64_t to, int64_t dwell,
                      int64_t min_overlap, const char *op, const char *purpose, hcode_trace **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!ctx)
        return HCODE_EINVAL;
    hcode__clear_err(ctx);
    if (!hcode__text_ok(venue_id, HCODE_TEXT_MAX))
        return hcode__err(ctx, HCODE_EINVAL, "venue id must be 1..%d bytes of text", HCODE_TEXT_MAX);
    int rc = check_common(ctx, from, to, &dwell, &min_overlap, op, purpose);
    if (rc)
        return rc;
    tctx t = {ctx, ctx->store, dwell, HCODE_TRACE_MAX_RECORDS};
    hcode_trace *tr = trace_alloc();
    if (!tr)
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    vwin win = {venue_id, from, to};
    rc = present_at(&t, &win, 1, NULL, 0, 1, &tr->contacts);
    if (rc) {
        hcode_trace_free(tr);
        return rc;
    }
    merge_sum(&tr->contacts, min_overlap);
    json_t *vj = json_string(venue_id);
    char *vs = vj ? json_dumps(vj, JSON_ENCODE_ANY) : NULL;
    json_decref(vj);
    if (!vs) {
        hcode_trace_free(tr);
        return hcode__err(ctx, HCODE_ENOMEM, "out of memory");
    }
    char q[512];
    snprintf(q, sizeof q, "trace venue=%s from=%lld to=%lld dwell=%lld min_overlap=%lld", vs, (long long)from,
             (long long)to, (long long)dwell, (long long)min_overlap);
    free(vs);
    return finish(ctx, tr, op, purpose, q, out);
}

void hcode_trace_free(hcode_trace *t)
{
    if (!t)
        return;
    free(t->contacts.v);
    free(t->visits);
    free(t);
}

size_t hcode_trace_count(const hcode_trace *t) { return t ? t->contacts.n : 0; }
#define HIT(t, i) ((t) && (i) < (t)->contacts.n ? &(t)->contacts.v[(i)] : NULL)
const char *hcode_trace_contact_subject(const hcode_trace *t, size_t i) { const hit *h = HIT(t, i); return h ? h->subject : NULL; }
const char *hcode_trace_contact_venue(const hcode_trace *t, size_t i) { const hit *h = HIT(t, i); return h ? h->venue : NULL; }
int64_t hcode_trace_contact_start(const hcode_trace *t, size_t i) { const hit *h = HIT(t, i); return h ? h->start : 0; }
int64_t hcode_trace_contact_seconds(const hcode_trace *t, size_t i) { const hit *h = HIT(t, i); return h ? h->seconds : 0; }
int hcode_trace_contact_depth(const hcode_trace *t, size_t i) { const hit *h = HIT(t, i); return h ? h->depth : 0; }
size_t hcode_trace_visit_count(const hcode_trace *t) { return t ? t->nvisits : 0; }
#define VIS(t, i) ((t) && (i) < (t)->nvisits ? &(t)->visits[(i)] : NULL)
const char *hcode_trace_visit_venue(const hcode_trace *t, size_t i) { const visit *v = VIS(t, i); return v ? v->venue : NULL; }
int64_t hcode_trace_visit_start(const hcode_trace *t, size_t i) { const visit *v = VIS(t, i); return v ? v->start : 0; }
int64_t hcode_trace_visit_end(const hcode_trace *t, size_t i) { const visit *v = VIS(t, i); return v ? v->end : 0; }

/* A growing text buffer. */
typedef struct sbuf {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t len)
{
    if (b->oom)
        return;
    if (grow((void **)&b->p, &b->cap, b->n + len + 1, 1)) {
        b->oom = true;
        return;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static int sb_done(sbuf *b, char **out)
{
    if (!b->oom && !b->p)
        sb_add(b, "", 0);
    if (b->oom) {
        free(b->p);
        return HCODE_ENOMEM;
    }
    *out = b->p;
    return HCODE_OK;
}

int hcode_trace_to_jsonl(const hcode_trace *t, char **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!t)
        return HCODE_EINVAL;
    sbuf b = {0};
    for (size_t i = 0; i < t->contacts.n; i++) {
        const hit *h = &t->contacts.v[i];
        json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:i}", "subject", h->subject, "venue_id", h->venue,
                              "overlap_start", (json_int_t)h->start, "overlap_seconds", (json_int_t)h->seconds,
                              "depth", h->depth);
        char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
        if (!s) {
            free(b.p);
            return HCODE_ENOMEM;
        }
        sb_str(&b, s);
        sb_str(&b, "\n");
        free(s);
    }
    return sb_done(&b, out);
}

/* RFC 4180 cell, with spreadsheet formulas neutralised. */
static void csv_cell(sbuf *b, const char *s)
{
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        sb_str(b, "\"");
    if (formula)
        sb_str(b, "'");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_str(b, "\"\"");
        else
            sb_add(b, p, 1);
    }
    if (quote)
        sb_str(b, "\"");
}

int hcode_trace_to_csv(const hcode_trace *t, char **out)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!t)
        return HCODE_EINVAL;
    sbuf b = {0};
    sb_str(&b, "subject,venue_id,overlap_start,overlap_seconds,depth\r\n");
    for (size_t i = 0; i < t->contacts.n; i++) {
        const hit *h = &t->contacts.v[i];
        char num[96];
        csv_cell(&b, h->subject);
        sb_str(&b, ",");
        csv_cell(&b, h->venue);
        snprintf(num, sizeof num, ",%lld,%lld,%d\r\n", (long long)h->start, (long long)h->seconds, h->depth);
        sb_str(&b, num);
    }
    return sb_done(&b, out);
}
