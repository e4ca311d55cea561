/* Bulk import of legacy check-in registers. See include/hcode/import.h. */
#include "hcode/import.h"
#include "store-private.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FIELD_MAX 512        /* bytes of one field */
#define ROW_MAX 4096         /* bytes of one row, all fields */
#define FIELDS_MAX 16
#define VENUES_MAX 1000000
#define SEEN_SLOTS (1u << 22) /* duplicate detection: 4M slots, up to 2M rows */

typedef struct {
    hcode_record rec;
    char id[33], subject[33], venue[HCODE_TEXT_MAX + 1];
} imp_rec;

struct hcode_import {
    hcode_store *st;
    const hcode_keypair *kp;
    char **venues;
    size_t nvenues, capvenues;
    bool venues_sorted, any_venue;
    int utc_offset;
    FILE *rejects;
    size_t batch_rows;
    int64_t now;
    hcode_import_progress_cb progress;
    void *progress_data;
    uint64_t count[6];
    uint64_t *seen;     /* fingerprints of accepted records (0 = empty) */
    size_t nseen;
    imp_rec *batch;
    size_t nbatch;      /* records */
    size_t batch_rows_in;
    char err[320];
};

static int im_fail(hcode_import *im, int code, const char *fmt, const char *a, const char *b)
{
    snprintf(im->err, sizeof im->err, fmt, a ? a : "", b ? b : "");
    return code;
}

int hcode_import_new(hcode_import **out, hcode_store *st, const hcode_keypair *kp)
{
    if (!out)
        return HCODE_EINVAL;
    *out = NULL;
    if (!st || !kp)
        return HCODE_EINVAL;
    if (hcode_init() != 0)
        return HCODE_ECRYPTO;
    hcode_import *im = calloc(1, sizeof *im);
    if (!im)
        return HCODE_ENOMEM;
    im->st = st;
    im->kp = kp;
    im->utc_offset = 8 * 3600;
    im->batch_rows = 2000;
    im->now = HCODE_NOW;
    *out = im;
    return 0;
}

void hcode_import_free(hcode_import *im)
{
    if (!im)
        return;
    for (size_t i = 0; i < im->nvenues; i++)
        free(im->venues[i]);
    free(im->venues);
    if (im->rejects)
        fclose(im->rejects);
    free(im->seen);
    free(im->batch);
    free(im);
}

const char *hcode_import_errmsg(const hcode_import *im)
{
    return im ? im->err : "";
}

uint64_t hcode_import_count(const hcode_import *im, int which)
{
    if (!im || which < 0 || which > HCODE_IMPORT_BATCHES)
        return 0;
    return im->count[which];
}

int hcode_import_add_venue(hcode_import *im, const char *venue_id)
{
    if (!im || !hcode__text_ok(venue_id, HCODE_TEXT_MAX))
        return HCODE_EINVAL;
    if (im->nvenues >= VENUES_MAX)
        return im_fail(im, HCODE_ELIMIT, "more than 1000000 venues%s%s", NULL, NULL);
    if (im->nvenues == im->capvenues) {
        size_t cap = im->capvenues ? im->capvenues * 2 : 64;
        char **v = realloc(im->venues, cap * sizeof *v);
        if (!v)
            return HCODE_ENOMEM;
        im->venues = v;
        im->capvenues = cap;
    }
    if (!(im->venues[im->nvenues] = strdup(venue_id)))
        return HCODE_ENOMEM;
    im->nvenues++;
    im->venues_sorted = false;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

int hcode_import_load_venues(hcode_import *im, const char *path)
{
    if (!im || !path)
        return HCODE_EINVAL;
    FILE *f = fopen(path, "r");
    if (!f)
        return im_fail(im, HCODE_EIO, "cannot open venues file %s: %s", path, strerror(errno));
    char line[1024];
    int rc = 0;
    bool first = true;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        char *s = line;
        if (first && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
            (unsigned char)s[2] == 0xbf)
            s += 3;
        first = false;
        if (!strchr(s, '\n') && !feof(f)) {
            rc = im_fail(im, HCODE_EFORMAT, "venues file %s: line too long%s", path, NULL);
            break;
        }
        s = trim(s);
        if (!*s || *s == '#')
            continue;
        if (*s == '"') {            /* a quoted first field */
            s++;
            char *q = strchr(s, '"');
            if (q)
                *q = '\0';
        } else {
            s[strcspn(s, ",")] = '\0';
        }
        s = trim(s);
        if (!*s)
            continue;
        rc = hcode_import_add_venue(im, s);
        if (rc == HCODE_EINVAL)
            rc = im_fail(im, HCODE_EFORMAT, "venues file %s: bad venue id '%s'", path, s);
    }
    if (rc == 0 && ferror(f))
        rc = im_fail(im, HCODE_EIO, "cannot read venues file %s%s", path, NULL);
    fclose(f);
    return rc;
}

void hcode_import_allow_any_venue(hcode_import *im, int allow)
{
    if (im)
        im->any_venue = allow != 0;
}

int hcode_import_set_utc_offset(hcode_import *im, int seconds)
{
    if (!im || seconds < -14 * 3600 || seconds > 14 * 3600)
        return HCODE_EINVAL;
    im->utc_offset = seconds;
    return 0;
}

int hcode_import_set_rejects(hcode_import *im, const char *path)
{
    if (!im || !path || !*path)
        return HCODE_EINVAL;
    FILE *f = fopen(path, "w");
    if (!f)
        return im_fail(im, HCODE_EIO, "cannot create reject file %s: %s", path, strerror(errno));
    if (im->rejects)
        fclose(im->rejects);
    im->rejects = f;
    fputs("line,reason,identifier,venue_id,time_in,time_out\r\n", f);
    return 0;
}

int hcode_import_set_batch_rows(hcode_import *im, size_t rows)
{
    if (!im || rows < 1 || rows > 100000)
        return HCODE_EINVAL;
    im->batch_rows = rows;
    return 0;
}

void hcode_import_set_now(hcode_import *im, int64_t now)
{
    if (im)
        im->now = now;
}

void hcode_import_set_progress(hcode_import *im, hcode_import_progress_cb cb, void *data)
{
    if (im) {
        im->progress = cb;
        im->progress_data = data;
    }
}

/* ---- validation ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool date_ok(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool birth_ok(int y, int m, int d, int64_t now)
{
    if (y < 1900 || !date_ok(y, m, d))
        return false;
    return days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 <= now;
}

const char *hcode_identifier_problem(const char *id, int64_t now)
{
    if (now == HCODE_NOW)
        now = hcode_time_now();
    if (!id)
        return "missing_identifier";
    while (*id == ' ' || *id == '\t')
        id++;
    size_t n = strlen(id);
    while (n && (id[n - 1] == ' ' || id[n - 1] == '\t'))
        n--;
    if (n == 0)
        return "missing_identifier";
    size_t ndig = 0, nalpha = 0;
    for (size_t i = 0; i < n; i++) {
        if (id[i] >= '0' && id[i] <= '9')
            ndig++;
        else if (isalpha((unsigned char)id[i]))
            nalpha++;
        else if (id[i] != '-')
            return "bad_identifier";
    }
    bool final_x = (id[n - 1] == 'X' || id[n - 1] == 'x');
    bool numeric = ndig == n || (ndig == n - 1 && final_x);
    if (numeric && n == 18) {
        static const int w[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        static const char map[] = "10X98765432";
        int sum = 0;
        for (int i = 0; i < 17; i++)
            sum += (id[i] - '0') * w[i];
        char want = map[sum % 11];
        char got = (char)toupper((unsigned char)id[17]);
        if (!birth_ok(digits(id + 6, 4), digits(id + 10, 2), digits(id + 12, 2), now))
            return "bad_birth_date";
        if (got != want)
            return "bad_check_digit";
        return NULL;
    }
    if (numeric && n == 15 && ndig == 15) {
        if (!birth_ok(1900 + digits(id + 6, 2), digits(id + 8, 2), digits(id + 10, 2), now))
            return "bad_birth_date";
        return NULL;
    }
    if (numeric)
        return "bad_identifier";   /* a mistyped resident ID: wrong length */
    if (n < 5 || n > 32 || nalpha == 0)
        return "bad_identifier";
    return NULL;
}

/* Time text -> Unix seconds. utc_off applies when no offset is given. */
static bool parse_time(const char *s, int utc_off, int64_t *out)
{
    size_t n = strlen(s);
    if (n >= 1 && n <= 12 && strspn(s, "0123456789") == n) {
        *out = strtoll(s, NULL, 10);
        return true;
    }
    if (n < 16)
        return false;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    if (y < 0 || mo < 0 || d < 0 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' '))
        return false;
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), sec = 0;
    if (h < 0 || mi < 0 || s[13] != ':')
        return false;
    const char *p = s + 16;
    if (*p == ':') {
        sec = digits(p + 1, 2);
        if (sec < 0)
            return false;
        p += 3;
        if (*p == '.') {        /* fractional seconds: dropped */
            p++;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    int off = utc_off;
    if (*p == 'Z' || *p == 'z') {
        off = 0;
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = digits(p + 1, 2), om;
        const char *q = p + 3;
        if (*q == ':')
            q++;
        om = digits(q, 2);
        if (oh < 0 || om < 0 || oh > 14 || om > 59)
            return false;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p = q + 2;
    }
    if (*p)
        return false;
    if (y < 1970 || !date_ok(y, mo, d) || h > 23 || mi > 59 || sec > 59)
        return false;
    *out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec - off;
    return true;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool venue_known(hcode_import *im, const char *v)
{
    if (im->any_venue)
        return true;
    if (!im->venues_sorted) {
        qsort(im->venues, im->nvenues, sizeof *im->venues, cmp_str);
        im->venues_sorted = true;
    }
    return im->nvenues && bsearch(&v, im->venues, im->nvenues, sizeof *im->venues, cmp_str);
}

/* ---- CSV ---- */

typedef struct {
    FILE *f;
    uint64_t bytes;
    long line;          /* current physical line (1-based) */
    bool bom_checked, eof;
} csv_in;

/* Reads one record. fields point into buf. Returns 1 with a record, 0 at
 * end of input, -1 on a read error. *too_long: some field or the row
 * exceeded the bounds (the record is consumed whole). */
static int csv_next(csv_in *c, char *buf, size_t cap, char **fields, int *nf, long *line,
                    bool *too_long, bool *bad_quote)
{
    *nf = 0;
    *too_long = false;
    *bad_quote = false;
    if (c->eof)
        return 0;
    if (!c->bom_checked) {
        c->bom_checked = true;
        int a = getc(c->f);
        if (a == 0xef) {
            int b = getc(c->f), d = getc(c->f);
            if (b == 0xbb && d == 0xbf) {
                c->bytes += 3;
            } else {   /* not a BOM: put back what we can */
                if (d != EOF)
                    ungetc(d, c->f);
                if (b != EOF)
                    ungetc(b, c->f);
                ungetc(a, c->f);
            }
        } else if (a != EOF) {
            ungetc(a, c->f);
        }
    }
    for (;;) {   /* skip blank lines */
        size_t len = 0, fstart = 0;
        bool quoted = false, after_quote = false, any = false;
        *line = c->line + 1;
        fields[0] = buf;
        *nf = 1;
        for (;;) {
            int ch = getc(c->f);
            if (ch == EOF) {
                if (ferror(c->f))
                    return -1;
                c->eof = true;
                if (quoted)
                    *bad_quote = true;
                if (!any && len == 0 && *nf == 1)
                    return 0;
                break;
            }
            c->bytes++;
            any = true;
            if (quoted) {
                if (ch == '"') {
                    int nx = getc(c->f);
                    if (nx == '"') {
                        c->bytes++;
                    } else {
                        if (nx != EOF)
                            ungetc(nx, c->f);
                        quoted = false;
                        after_quote = true;
                        continue;
                    }
                } else if (ch == '\n') {
                    c->line++;
                }
            } else if (ch == '"' && len == fstart && !after_quote) {
                quoted = true;
                continue;
            } else if (ch == ',') {
                if (len >= cap) {
                    *too_long = true;
                } else {
                    buf[len++] = '\0';
                }
                if (*nf < FIELDS_MAX)
                    fields[(*nf)++] = buf + (len < cap ? len : cap - 1);
                else
                    *too_long = true;
                fstart = len;
                after_quote = false;
                continue;
            } else if (ch == '\n' || ch == '\r') {
                c->line++;
                if (ch == '\r') {
                    int nx = getc(c->f);
                    if (nx == '\n')
                        c->bytes++;
                    else if (nx != EOF)
                        ungetc(nx, c->f);
                }
                break;
            } else if (after_quote) {
                *bad_quote = true;   /* text after a closing quote */
            }
            if (len + 1 >= cap || len - fstart >= FIELD_MAX)
                *too_long = true;
            else
                buf[len++] = (char)ch;
        }
        if (len >= cap)
            len = cap - 1;
        buf[len] = '\0';
        if (*nf == 1 && buf[0] == '\0' && !c->eof)
            continue;            /* blank line */
        if (*nf == 1 && buf[0] == '\0')
            return 0;
        return 1;
    }
}

/* ---- writing ---- */

static void reject_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void reject(hcode_import *im, long line, const char *reason, char **fields, int nf)
{
    im->count[HCODE_IMPORT_REJECTED]++;
    if (!im->rejects)
        return;
    fprintf(im->rejects, "%ld,%s", line, reason);
    for (int i = 0; i < nf && i < FIELDS_MAX; i++) {
        fputc(',', im->rejects);
        reject_field(im->rejects, fields[i]);
    }
    fputs("\r\n", im->rejects);
}

static int flush_batch(hcode_import *im)
{
    if (im->nbatch == 0)
        return 0;
    hcode_record *r = malloc(im->nbatch * sizeof *r);
    if (!r)
        return HCODE_ENOMEM;
    for (size_t i = 0; i < im->nbatch; i++)
        r[i] = im->batch[i].rec;
    int rc = hcode_store_put_batch(im->st, r, im->nbatch);
    free(r);
    if (rc) {
        snprintf(im->err, sizeof im->err, "storing a batch failed (not stored; %llu earlier rows "
                 "are): %s", (unsigned long long)im->count[HCODE_IMPORT_IMPORTED],
                 hcode_store_errmsg(im->st));
        return rc;
    }
    im->count[HCODE_IMPORT_IMPORTED] += im->batch_rows_in;
    im->count[HCODE_IMPORT_RECORDS] += im->nbatch;
    im->count[HCODE_IMPORT_BATCHES]++;
    im->nbatch = 0;
    im->batch_rows_in = 0;
    return 0;
}

/* Record id from the record's content: the same row always gets the same id. */
static void derive_id(imp_rec *r)
{
    crypto_generichash_state h;
    uint8_t out[16];
    char kind = (char)r->rec.kind;
    int64_t at = r->rec.at;
    uint8_t atb[8];
    for (int i = 0; i < 8; i++)
        atb[i] = (uint8_t)((uint64_t)at >> (8 * i));
    crypto_generichash_init(&h, (const uint8_t *)"hcode-import-v1", 15, sizeof out);
    crypto_generichash_update(&h, (const uint8_t *)r->subject, 32);
    crypto_generichash_update(&h, (const uint8_t *)r->venue, strlen(r->venue) + 1);
    crypto_generichash_update(&h, atb, sizeof atb);
    crypto_generichash_update(&h, (const uint8_t *)&kind, 1);
    crypto_generichash_final(&h, out, sizeof out);
    hcode__hex(r->id, out, sizeof out);
}

/* true when the fingerprint was already seen (a duplicate). */
static bool seen_before(hcode_import *im, const char *id)
{
    if (!im->seen) {
        im->seen = calloc(SEEN_SLOTS, sizeof *im->seen);
        if (!im->seen)
            return false;
    }
    uint64_t fp = 0;
    for (int i = 0; i < 16; i++)
        fp = fp << 4 | (uint64_t)(id[i] <= '9' ? id[i] - '0' : id[i] - 'a' + 10);
    if (fp == 0)
        fp = 1;
    size_t slot = (size_t)(fp & (SEEN_SLOTS - 1));
    for (;;) {
        if (im->seen[slot] == fp)
            return true;
        if (im->seen[slot] == 0) {
            if (im->nseen < SEEN_SLOTS / 2) {   /* past that: not tracked, still stored once */
                im->seen[slot] = fp;
                im->nseen++;
            }
            return false;
        }
        slot = (slot + 1) & (SEEN_SLOTS - 1);
    }
}

static int add_row(hcode_import *im, long line, char **f, int nf, int64_t now)
{
    const char *reason = NULL;
    char *ident = trim(f[0]);
    char *venue = nf > 1 ? trim(f[1]) : (char *)"";
    char *tin = nf > 2 ? trim(f[2]) : (char *)"";
    char *tout = nf > 3 ? trim(f[3]) : (char *)"";
    char *status = nf > 4 ? trim(f[4]) : (char *)"";
    int64_t in = 0, outt = 0;
    int st = HCODE_GREEN;
    if (nf < 3 || nf > 5)
        reason = "wrong_field_count";
    else if ((reason = hcode_identifier_problem(ident, now)))
        ;
    else if (!*venue)
        reason = "missing_venue";
    else if (!hcode__text_ok(venue, HCODE_TEXT_MAX))
        reason = "bad_venue";
    else if (!venue_known(im, venue))
        reason = "unknown_venue";
    else if (!parse_time(tin, im->utc_offset, &in))
        reason = "bad_time_in";
    else if (in > now + 86400)
        reason = "time_in_future";
    else if (*tout && !parse_time(tout, im->utc_offset, &outt))
        reason = "bad_time_out";
    else if (*tout && outt < in)
        reason = "time_out_before_time_in";
    else if (*tout && outt > now + 86400)
        reason = "time_out_future";
    else if (*status && (st = hcode_status_parse(status)) < 0)
        reason = "bad_status";
    if (reason) {
        reject(im, line, reason, f, nf);
        return 0;
    }
    char pseudo[33];
    int rc = hcode_keypair_pseudonym(im->kp, ident, pseudo, sizeof pseudo);
    if (rc) {
        reject(im, line, "bad_identifier", f, nf);
        return 0;
    }
    int nrec = *tout ? 2 : 1;
    imp_rec *r = &im->batch[im->nbatch];
    bool dup = true;
    for (int k = 0; k < nrec; k++) {
        memcpy(r[k].subject, pseudo, 33);
        snprintf(r[k].venue, sizeof r[k].venue, "%s", venue);
        r[k].rec.kind = k == 0 ? HCODE_RECORD_IN : HCODE_RECORD_OUT;
        r[k].rec.at = k == 0 ? in : outt;
        derive_id(&r[k]);
        r[k].rec.record_id = r[k].id;
        r[k].rec.subject = r[k].subject;
        r[k].rec.venue_id = r[k].venue;
        r[k].rec.gate = "import";
        r[k].rec.status = st;
        if (!seen_before(im, r[k].id))
            dup = false;
    }
    sodium_memzero(pseudo, sizeof pseudo);
    if (dup) {
        im->count[HCODE_IMPORT_DUPLICATES]++;
        im->count[HCODE_IMPORT_IMPORTED]++;   /* accepted; its records are already stored or batched */
        return 0;
    }
    im->nbatch += (size_t)nrec;
    im->batch_rows_in++;
    if (im->batch_rows_in >= im->batch_rows)
        return flush_batch(im);
    return 0;
}

static bool is_header(char **f, int nf)
{
    if (nf < 3)
        return false;
    const char *t = f[2];
    while (*t == ' ')
        t++;
    return !(*t >= '0' && *t <= '9');
}

int hcode_import_csv(hcode_import *im, const char *path)
{
    if (!im || !path)
        return HCODE_EINVAL;
    im->err[0] = '\0';
    if (!im->any_venue && im->nvenues == 0)
        return im_fail(im, HCODE_EINVAL, "no venue list given (or allow any venue)%s%s", NULL, NULL);
    int64_t now = im->now == HCODE_NOW ? hcode_time_now() : im->now;
    FILE *f = fopen(path, "rb");
    if (!f)
        return im_fail(im, HCODE_EIO, "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    uint64_t total = fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
    free(im->batch);
    im->batch = malloc(2 * im->batch_rows * sizeof *im->batch);
    if (!im->batch) {
        fclose(f);
        return HCODE_ENOMEM;
    }
    im->nbatch = 0;
    im->batch_rows_in = 0;
    char *buf = malloc(ROW_MAX);
    if (!buf) {
        fclose(f);
        return HCODE_ENOMEM;
    }
    csv_in c = {f, 0, 0, false, false};
    char *fields[FIELDS_MAX];
    int nf, rc = 0;
    long line;
    bool too_long, bad_quote, first = true;
    uint64_t last_report = 0;
    int got;
    while (rc == 0 && (got = csv_next(&c, buf, ROW_MAX, fields, &nf, &line, &too_long, &bad_quote)) == 1) {
        if (first) {
            first = false;
            if (is_header(fields, nf) && !too_long)
                continue;
        }
        im->count[HCODE_IMPORT_ROWS]++;
        if (too_long)
            reject(im, line, "row_too_long", fields, 0);
        else if (bad_quote)
            reject(im, line, "bad_quoting", fields, nf);
        else
            rc = add_row(im, line, fields, nf, now);
        if (im->progress && c.bytes - last_report >= 65536) {
            last_report = c.bytes;
            im->progress(c.bytes, total, im->count[HCODE_IMPORT_ROWS], im->progress_data);
        }
    }
    if (rc == 0 && got < 0)
        rc = im_fail(im, HCODE_EIO, "cannot read %s: %s", path, strerror(errno));
    if (rc == 0)
        rc = flush_batch(im);
    if (rc == 0 && im->progress)
        im->progress(c.bytes, total, im->count[HCODE_IMPORT_ROWS], im->progress_data);
    if (im->rejects && fflush(im->rejects) != 0 && rc == 0)
        rc = im_fail(im, HCODE_EIO, "cannot write the reject file: %s%s", strerror(errno), NULL);
    sodium_memzero(buf, ROW_MAX);
    free(buf);
    fclose(f);
    return rc;
}
