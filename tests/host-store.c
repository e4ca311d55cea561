/* A host-style storage backend (see host-store.h). */
#include "host-store.h"

#include <stdlib.h>
#include <string.h>

typedef struct hrec {
    char id[33], subject[33], venue[200], gate[200];
    int64_t at;
    int kind, status;
} hrec;

struct host_store {
    hrec *v;
    size_t n, cap;
    enum host_fault fault;
    int nth, puts;
};

static int h_put(void *self, const hcode_record *r)
{
    host_store *h = self;
    h->puts++;
    if (h->fault == FAULT_FAIL_NTH && h->puts == h->nth)
        return HCODE_EIO;
    if (h->fault == FAULT_GARBAGE)
        return 7;
    if (h->fault == FAULT_LIE)
        return 0;
    for (size_t i = 0; i < h->n; i++)
        if (!strcmp(h->v[i].id, r->record_id))
            return 0;
    if (h->n == h->cap) {
        size_t nc = h->cap ? 2 * h->cap : 16;
        hrec *q = realloc(h->v, nc * sizeof *q);
        if (!q)
            return HCODE_ENOMEM;
        h->v = q;
        h->cap = nc;
    }
    hrec *x = &h->v[h->n++];
    strcpy(x->id, r->record_id);
    strcpy(x->subject, r->subject);
    strncpy(x->venue, r->venue_id, sizeof x->venue - 1);
    x->venue[sizeof x->venue - 1] = '\0';
    strncpy(x->gate, r->gate, sizeof x->gate - 1);
    x->gate[sizeof x->gate - 1] = '\0';
    x->at = r->at;
    x->kind = r->kind;
    x->status = r->status;
    return 0;
}

static int h_query(host_store *h, const char *subject, const char *venue, int64_t from, int64_t to,
                   hcode_record_cb cb, void *data)
{
    if (h->fault == FAULT_GARBAGE)
        return -999;
    for (size_t i = 0; i < h->n; i++) {
        hrec *x = &h->v[i];
        if (x->at < from || x->at >= to || (subject && strcmp(subject, x->subject)) ||
            (venue && strcmp(venue, x->venue)))
            continue;
        hcode_record r = {x->id, h->fault == FAULT_BAD_RECORD ? NULL : x->subject, x->venue, x->gate, x->at,
                          x->kind, x->status};
        int rc = cb(&r, data);
        if (rc)
            return rc;
    }
    return 0;
}

static int h_qs(void *self, const char *s, int64_t from, int64_t to, hcode_record_cb cb, void *data)
{
    return h_query(self, s, NULL, from, to, cb, data);
}

static int h_qv(void *self, const char *v, int64_t from, int64_t to, hcode_record_cb cb, void *data)
{
    return h_query(self, NULL, v, from, to, cb, data);
}

static void h_close(void *self)
{
    host_store *h = self;
    free(h->v);
    free(h);
}

int host_store_open(hcode_store **out, enum host_fault fault, int nth, host_store **hs)
{
    host_store *h = calloc(1, sizeof *h);
    if (!h)
        return HCODE_ENOMEM;
    h->fault = fault;
    h->nth = nth;
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ops.put = h_put;
    ops.query_subject = h_qs;
    ops.query_venue = h_qv;
    ops.close = h_close;
    int rc = hcode_store_new(out, &ops, h);
    if (rc) {
        free(h);
        return rc;
    }
    if (hs)
        *hs = h;
    return 0;
}

size_t host_store_count(const host_store *hs) { return hs->n; }
int host_store_puts(const host_store *hs) { return hs->puts; }
