/* The in-memory backend: a list of records, written against the same
 * hcode_store_ops struct a host application fills in. */
#include "store-private.h"

#include <stdlib.h>
#include <string.h>

typedef struct mrec {
    char record_id[33], subject[33];
    char *venue_id, *gate;
    int64_t at;
    int kind, status;
} mrec;

typedef struct mem {
    mrec *recs;
    size_t n, cap;
    char **audit;
    size_t naudit, capaudit;
    struct mpres { uint8_t id[16]; int64_t until; } *pres;   /* consumed presentations */
    size_t npres, cappres;
} mem;

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *q = realloc(*p, nc * elem);
    if (!q)
        return HCODE_ENOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

static bool has_id(const mem *m, const char *id)
{
    for (size_t i = 0; i < m->n; i++)
        if (!memcmp(m->recs[i].record_id, id, 32))
            return true;
    return false;
}

static int m_put(void *self, const hcode_record *r)
{
    mem *m = self;
    if (has_id(m, r->record_id))
        return 0;
    if (grow((void **)&m->recs, &m->cap, m->n + 1, sizeof *m->recs))
        return HCODE_ENOMEM;
    mrec *x = &m->recs[m->n];
    memcpy(x->record_id, r->record_id, 33);
    memcpy(x->subject, r->subject, 33);
    x->venue_id = strdup(r->venue_id);
    x->gate = strdup(r->gate);
    if (!x->venue_id || !x->gate) {
        free(x->venue_id);
        free(x->gate);
        return HCODE_ENOMEM;
    }
    x->at = r->at;
    x->kind = r->kind;
    x->status = r->status;
    m->n++;
    return 0;
}

static int m_put_batch(void *self, const hcode_record *recs, size_t n)
{
    mem *m = self;
    size_t before = m->n;
    for (size_t i = 0; i < n; i++) {
        int rc = m_put(m, &recs[i]);
        if (rc) { /* all or none */
            while (m->n > before) {
                m->n--;
                free(m->recs[m->n].venue_id);
                free(m->recs[m->n].gate);
            }
            return rc;
        }
    }
    return 0;
}

static int m_query(mem *m, const char *subject, const char *venue, int64_t from, int64_t to,
                   hcode_record_cb cb, void *data)
{
    for (size_t i = 0; i < m->n; i++) {
        const mrec *x = &m->recs[i];
        if (x->at < from || x->at >= to || (subject && strcmp(x->subject, subject)) ||
            (venue && strcmp(x->venue_id, venue)))
            continue;
        hcode_record r = {x->record_id, x->subject, x->venue_id, x->gate, x->at, x->kind, x->status};
        int rc = cb(&r, data);
        if (rc)
            return rc;
    }
    return 0;
}

static int m_query_subject(void *self, const char *subject, int64_t from, int64_t to,
                           hcode_record_cb cb, void *data)
{
    return m_query(self, subject, NULL, from, to, cb, data);
}

static int m_query_venue(void *self, const char *venue, int64_t from, int64_t to,
                         hcode_record_cb cb, void *data)
{
    return m_query(self, NULL, venue, from, to, cb, data);
}

static int m_purge(void *self, int64_t before, uint64_t *removed)
{
    mem *m = self;
    size_t j = 0;
    uint64_t k = 0;
    for (size_t i = 0; i < m->n; i++) {
        if (m->recs[i].at < before) {
            free(m->recs[i].venue_id);
            free(m->recs[i].gate);
            k++;
        } else {
            m->recs[j++] = m->recs[i];
        }
    }
    m->n = j;
    *removed = k;
    return 0;
}

static int m_audit_append(void *self, const char *line)
{
    mem *m = self;
    if (grow((void **)&m->audit, &m->capaudit, m->naudit + 1, sizeof *m->audit))
        return HCODE_ENOMEM;
    char *c = strdup(line);
    if (!c)
        return HCODE_ENOMEM;
    m->audit[m->naudit++] = c;
    return 0;
}

static int m_audit_read(void *self, hcode_audit_line_cb cb, void *data)
{
    mem *m = self;
    for (size_t i = 0; i < m->naudit; i++) {
        int rc = cb(m->audit[i], data);
        if (rc)
            return rc;
    }
    return 0;
}

/* Presentation replay cache: expired entries are dropped as we go, so it
 * holds at most the presentations admitted within one window. */
static int m_presentation_consume(void *self, const uint8_t *id, int64_t until, int64_t at)
{
    mem *m = self;
    size_t j = 0;
    for (size_t i = 0; i < m->npres; i++) {
        if (m->pres[i].until < at)
            continue;
        if (!memcmp(m->pres[i].id, id, 16))
            return HCODE_EEXIST;
        m->pres[j++] = m->pres[i];
    }
    m->npres = j;
    if (grow((void **)&m->pres, &m->cappres, m->npres + 1, sizeof *m->pres))
        return HCODE_ENOMEM;
    memcpy(m->pres[m->npres].id, id, 16);
    m->pres[m->npres].until = until;
    m->npres++;
    return 0;
}

static void m_close(void *self)
{
    mem *m = self;
    for (size_t i = 0; i < m->n; i++) {
        free(m->recs[i].venue_id);
        free(m->recs[i].gate);
    }
    for (size_t i = 0; i < m->naudit; i++)
        free(m->audit[i]);
    free(m->audit);
    free(m->pres);
    free(m->recs);
    free(m);
}

int hcode__store_memory_open(hcode_store **out)
{
    mem *m = calloc(1, sizeof *m);
    if (!m)
        return HCODE_ENOMEM;
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ops.put = m_put;
    ops.put_batch = m_put_batch;
    ops.query_subject = m_query_subject;
    ops.query_venue = m_query_venue;
    ops.purge_before = m_purge;
    ops.audit_append = m_audit_append;
    ops.audit_read = m_audit_read;
    ops.close = m_close;
    ops.presentation_consume = m_presentation_consume;
    int rc = hcode_store_new(out, &ops, m);
    if (rc)
        free(m);
    return rc;
}
