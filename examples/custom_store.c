/* custom_store: a host application's own storage backend for libhcode.
 *
 * Check-ins go to an append-only text log (one record per line, fsync'd
 * before put returns), the audit log to a second file. The backend is
 * plugged in through the storage callback struct of <hcode/sys/store.h>;
 * then three people check in at a venue and the case is traced.
 *
 *   custom_store DIR      writes DIR/checkins.log and DIR/audit.log
 */
#include <hcode.h>
#include <hcode/sys/store.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct logstore {
    char path[4096];
    char audit_path[4096];
    char err[256];
};

static int fail(struct logstore *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s", what, strerror(errno));
    return HCODE_ESTORE;
}

static int append_line(struct logstore *s, const char *path, const char *line)
{
    FILE *f = fopen(path, "a");
    if (!f)
        return fail(s, path);
    int ok = fputs(line, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (fclose(f) != 0)
        ok = 0;
    return ok ? 0 : fail(s, path);
}

/* One record per line: record_id subject at kind status venue_id<TAB>gate.
 * Venue and gate ids are free text without tabs or newlines. */
struct parsed {
    char id[64], subject[64], venue[HCODE_TEXT_MAX + 1], gate[HCODE_TEXT_MAX + 1];
    long long at;
    int kind, status;
};

static int parse(char *line, struct parsed *p)
{
    int off = 0;
    if (sscanf(line, "%63s %63s %lld %d %d %n", p->id, p->subject, &p->at, &p->kind, &p->status, &off) != 5)
        return -1;
    char *venue = line + off, *tab = strchr(venue, '\t');
    if (!tab)
        return -1;
    *tab = '\0';
    snprintf(p->venue, sizeof p->venue, "%s", venue);
    snprintf(p->gate, sizeof p->gate, "%s", tab + 1);
    p->gate[strcspn(p->gate, "\n")] = '\0';
    return 0;
}

/* Calls fn for every stored record; fn returns non-zero to stop. */
static int scan_log(struct logstore *s, int (*fn)(const struct parsed *, void *), void *arg)
{
    FILE *f = fopen(s->path, "r");
    if (!f)
        return errno == ENOENT ? 0 : fail(s, s->path);
    char line[1024];
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        struct parsed p;
        if (parse(line, &p) == 0)
            rc = fn(&p, arg);
    }
    fclose(f);
    return rc;
}

static int is_id(const struct parsed *p, void *arg) { return strcmp(p->id, arg) == 0; }

static int lp_put(void *self, const hcode_record *rec)
{
    struct logstore *s = self;
    if (strchr(rec->venue_id, '\t') || strchr(rec->venue_id, '\n') || strchr(rec->gate, '\t') ||
        strchr(rec->gate, '\n')) {
        snprintf(s->err, sizeof s->err, "tab or newline in an id");
        return HCODE_EINVAL;
    }
    int seen = scan_log(s, is_id, (void *)rec->record_id);
    if (seen < 0)
        return seen;
    if (seen)
        return 0; /* stored once, whatever the retries */
    char line[1024];
    snprintf(line, sizeof line, "%s %s %" PRId64 " %d %d %s\t%s", rec->record_id, rec->subject, rec->at, rec->kind,
             rec->status, rec->venue_id, rec->gate);
    return append_line(s, s->path, line);
}

struct query {
    const char *subject, *venue;
    int64_t from, to;
    hcode_record_cb cb;
    void *data;
};

static int match(const struct parsed *p, void *arg)
{
    struct query *q = arg;
    if ((q->subject && strcmp(p->subject, q->subject)) || (q->venue && strcmp(p->venue, q->venue)) ||
        p->at < q->from || p->at >= q->to)
        return 0;
    hcode_record r = {.record_id = p->id, .subject = p->subject, .venue_id = p->venue, .gate = p->gate,
                      .at = p->at, .kind = p->kind, .status = p->status};
    return q->cb(&r, q->data);
}

static int lp_query_subject(void *self, const char *subject, int64_t from, int64_t to, hcode_record_cb cb, void *data)
{
    struct query q = {.subject = subject, .from = from, .to = to, .cb = cb, .data = data};
    return scan_log(self, match, &q);
}

static int lp_query_venue(void *self, const char *venue_id, int64_t from, int64_t to, hcode_record_cb cb, void *data)
{
    struct query q = {.venue = venue_id, .from = from, .to = to, .cb = cb, .data = data};
    return scan_log(self, match, &q);
}

static int lp_audit_append(void *self, const char *line)
{
    struct logstore *s = self;
    return append_line(s, s->audit_path, line);
}

static int lp_audit_read(void *self, hcode_audit_line_cb cb, void *data)
{
    struct logstore *s = self;
    FILE *f = fopen(s->audit_path, "r");
    if (!f)
        return errno == ENOENT ? 0 : fail(s, s->audit_path);
    char line[8192];
    int rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        rc = cb(line, data);
    }
    fclose(f);
    return rc;
}

static const char *lp_errmsg(void *self) { return ((struct logstore *)self)->err; }
static void lp_close(void *self) { free(self); }

static int die(hcode_ctx *ctx, const char *what)
{
    fprintf(stderr, "custom_store: %s: %s\n", what, hcode_errmsg(ctx));
    hcode_ctx_free(ctx);
    return 3;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: custom_store DIR\n");
        return 2;
    }
    hcode_ctx *ctx = NULL;
    if (hcode_ctx_new(&ctx) != 0)
        return 3;

    /* the host's backend */
    struct logstore *s = calloc(1, sizeof *s);
    if (!s)
        return die(ctx, "out of memory");
    snprintf(s->path, sizeof s->path, "%s/checkins.log", argv[1]);
    snprintf(s->audit_path, sizeof s->audit_path, "%s/audit.log", argv[1]);
    hcode_store_ops ops = HCODE_STORE_OPS_INIT;
    ops.put = lp_put;
    ops.query_subject = lp_query_subject;
    ops.query_venue = lp_query_venue;
    ops.audit_append = lp_audit_append;
    ops.audit_read = lp_audit_read;
    ops.errmsg = lp_errmsg;
    ops.close = lp_close;
    hcode_store *st = NULL;
    if (hcode_store_new(&st, &ops, s) != 0) {
        free(s); /* ownership passes only on success */
        return die(ctx, "store");
    }
    if (hcode_ctx_set_store(ctx, st) != 0)
        return die(ctx, "store");

    /* an issuer, a venue, three people */
    hcode_keypair *issuer = NULL;
    char *venue = NULL, *who[3] = {0};
    const char *ids[3] = {"370102199003077777", "370102199105054444", "37010219880808123X"};
    const int64_t t0 = 1795392000; /* 2026-11-23T00:00:00Z */
    int ret = 3;
    if (hcode_keypair_generate(&issuer, "CN-370100") != 0 || hcode_trust_add_keypair(ctx, issuer) != 0 ||
        hcode_ctx_set_audit_key(ctx, issuer) != 0 ||
        hcode_issue_venue(ctx, issuer, "370102-000123", "Quancheng Plaza", NULL, "mall", t0, 0, &venue) != 0)
        goto out;
    for (int i = 0; i < 3; i++)
        if (hcode_issue_person(ctx, issuer, ids[i], HCODE_GREEN, t0, 0, NULL, 0, NULL, &who[i]) != 0)
            goto out;

    /* A at 10:00, B at 10:30 (leaves 10:45), C at 13:00 after A left */
    const int64_t at[3] = {t0 + 10 * 3600, t0 + 10 * 3600 + 1800, t0 + 13 * 3600};
    for (int i = 0; i < 3; i++) {
        hcode_admission *a = NULL;
        if (hcode_checkin(ctx, who[i], venue, "east", at[i], &a) != 0)
            goto out;
        printf("check-in %.8s… %s\n", hcode_admission_subject(a), hcode_admission_reason(a));
        hcode_admission_free(a);
    }
    hcode_admission *a = NULL;
    if (hcode_checkout(ctx, who[1], venue, "east", at[1] + 900, &a) != 0)
        goto out;
    hcode_admission_free(a);

    char case_pseudonym[64];
    if (hcode_keypair_pseudonym(issuer, ids[0], case_pseudonym, sizeof case_pseudonym) != 0)
        goto out;
    hcode_trace *tr = NULL;
    if (hcode_trace_subject(ctx, case_pseudonym, t0, t0 + 86400, 0, 1, 0, "officer 7", "case 2026-118", &tr) != 0)
        goto out;
    printf("trace of %.8s…: %zu contact(s)\n", case_pseudonym, hcode_trace_count(tr));
    for (size_t i = 0; i < hcode_trace_count(tr); i++)
        printf("contact %.8s… at %s: %" PRId64 " s from %" PRId64 "\n", hcode_trace_contact_subject(tr, i),
               hcode_trace_contact_venue(tr, i), hcode_trace_contact_seconds(tr, i), hcode_trace_contact_start(tr, i));
    hcode_trace_free(tr);

    hcode_audit_report *rep = NULL;
    uint8_t pk[32];
    hcode_keypair_public_key(issuer, pk);
    if (hcode_audit_verify(ctx, pk, &rep) != 0)
        goto out;
    printf("audit log: %s, %" PRIu64 " entr%s\n", hcode_audit_report_ok(rep) ? "intact" : hcode_audit_report_problem(rep),
           hcode_audit_report_entries(rep), hcode_audit_report_entries(rep) == 1 ? "y" : "ies");
    ret = hcode_audit_report_ok(rep) ? 0 : 1;
    hcode_audit_report_free(rep);
out:
    if (ret == 3)
        fprintf(stderr, "custom_store: %s\n", hcode_errmsg(ctx));
    for (int i = 0; i < 3; i++)
        hcode_free(who[i]);
    hcode_free(venue);
    hcode_keypair_free(issuer);
    hcode_ctx_free(ctx); /* closes the store: lp_close frees s */
    return ret;
}
