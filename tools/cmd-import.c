/* hcode import: bulk import of legacy check-in registers (CSV). */
#include "cli.h"
#include "commands.h"
#include "keyload.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char import_help[] =
    "usage: hcode import --db DB --key ISSUER.key --csv FILE (--venues FILE | --any-venue)\n"
    "                    [--rejects FILE] [--utc-offset +HH:MM] [--batch N] [--at T] [--json]\n\n"
    "Loads a legacy check-in register: CSV rows of identifier, venue id, time in,\n"
    "optional time out, optional status (green/yellow/red; default green). An optional\n"
    "header row is skipped; quoted fields, a UTF-8 BOM and CRLF line ends are fine.\n"
    "Identifiers are pseudonymised with the issuer key, never stored in clear.\n\n"
    "Every row is checked: resident-ID check digit and birth date (18-digit IDs), time\n"
    "formats (ISO 8601 or 'YYYY-MM-DD HH:MM'), known venue. Rejected rows go to the\n"
    "reject file with the reason. Rows are stored in batches, one transaction each\n"
    "(all or none); importing the same file again stores nothing twice.\n\n"
    "  --db DB           SQLite file or postgresql:// URI\n"
    "  --key FILE        issuer secret key (pseudonyms as in its health codes)\n"
    "  --csv FILE        the register\n"
    "  --venues FILE     known venue ids, one per line (first CSV field); others are rejected\n"
    "  --any-venue       accept every well-formed venue id instead\n"
    "  --rejects FILE    write rejected rows here (CSV: line, reason, fields)\n"
    "  --utc-offset OFF  offset of times written without one (default +08:00)\n"
    "  --batch N         rows per transaction (default 2000)\n"
    "  --at T            'now' for plausibility checks (default the clock)\n"
    "  --json            the summary as one JSON object\n"
    "  --quiet           no progress bar\n\n"
    "A progress bar is drawn on stderr when it is a terminal. Exit status: 0 all rows\n"
    "imported, 1 some rows rejected (the others imported), 2 usage, 3 runtime error.\n";

struct progress {
    double start, last;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void draw(uint64_t done, uint64_t total, uint64_t rows, void *data)
{
    struct progress *p = data;
    double t = now_s();
    if (t - p->last < 0.1 && done != total)
        return;
    p->last = t;
    double frac = total ? (double)done / (double)total : 0;
    if (frac > 1)
        frac = 1;
    int w = 30, fill = (int)(frac * w);
    char bar[32];
    for (int i = 0; i < w; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[w] = '\0';
    double el = t - p->start;
    fprintf(stderr, "\r[%s] %3d%% %llu rows %.0f rows/s", bar, (int)(frac * 100),
            (unsigned long long)rows, el > 0 ? (double)rows / el : 0.0);
    fflush(stderr);
}

static bool parse_offset(const char *s, int *out)
{
    int h, m = 0;
    char sign;
    if (sscanf(s, "%c%2d:%2d", &sign, &h, &m) < 2 || (sign != '+' && sign != '-') || h > 14 || m > 59)
        return false;
    *out = (h * 3600 + m * 60) * (sign == '-' ? -1 : 1);
    return true;
}

int cmd_import(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},      {"key", required_argument, 0, 'k'},
        {"csv", required_argument, 0, 'c'},     {"venues", required_argument, 0, 'v'},
        {"any-venue", no_argument, 0, 'A'},     {"rejects", required_argument, 0, 'r'},
        {"utc-offset", required_argument, 0, 'o'}, {"batch", required_argument, 0, 'b'},
        {"at", required_argument, 0, 'a'},      {"json", no_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},         {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *db = NULL, *key = NULL, *csv = NULL, *venues = NULL, *rejects = NULL;
    bool any = false, json = false, quiet = false;
    int offset = 8 * 3600;
    long batch = 2000;
    int64_t at = HCODE_NOW;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'k': key = optarg; break;
        case 'c': csv = optarg; break;
        case 'v': venues = optarg; break;
        case 'A': any = true; break;
        case 'r': rejects = optarg; break;
        case 'j': json = true; break;
        case 'q': quiet = true; break;
        case 'o':
            if (!parse_offset(optarg, &offset))
                return cli_fail(EXIT_USAGE, "import", "bad --utc-offset '%s' (e.g. +08:00)", optarg);
            break;
        case 'b': {
            char *end;
            batch = strtol(optarg, &end, 10);
            if (*end || batch < 1 || batch > 100000)
                return cli_fail(EXIT_USAGE, "import", "bad --batch '%s' (1..100000)", optarg);
            break;
        }
        case 'a':
            if (!cli_parse_time(optarg, &at))
                return cli_fail(EXIT_USAGE, "import", "bad --at '%s'", optarg);
            break;
        case 'h': fputs(import_help, stdout); return 0;
        default: fputs(import_help, stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_fail(EXIT_USAGE, "import", "unexpected argument '%s'", argv[optind]);
    if (!db || !key || !csv)
        return cli_fail(EXIT_USAGE, "import", "--db, --key and --csv are required (see --help)");
    if (!venues && !any)
        return cli_fail(EXIT_USAGE, "import", "give --venues FILE (known venue ids) or --any-venue");
    hcode_keypair *kp = NULL;
    int ret = cli_load_key("import", key, &kp);
    if (ret)
        return ret;
    hcode_ctx *ctx = NULL;
    int rc = hcode_ctx_new(&ctx);
    if (rc == 0)
        rc = hcode_ctx_open_store(ctx, db);
    if (rc) {
        ret = cli_fail(rc == HCODE_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "import", "--db %s: %s", db,
                       ctx ? hcode_errmsg(ctx) : hcode_strerror(rc));
        hcode_ctx_free(ctx);
        hcode_keypair_free(kp);
        return ret;
    }
    hcode_store *st = hcode_ctx_store(ctx);
    hcode_import *im = NULL;
    rc = hcode_import_new(&im, st, kp);
    if (rc == 0 && venues)
        rc = hcode_import_load_venues(im, venues);
    if (rc == 0)
        hcode_import_allow_any_venue(im, any);
    if (rc == 0)
        rc = hcode_import_set_utc_offset(im, offset);
    if (rc == 0)
        rc = hcode_import_set_batch_rows(im, (size_t)batch);
    if (rc == 0 && rejects)
        rc = hcode_import_set_rejects(im, rejects);
    hcode_import_set_now(im, at);
    struct progress pr = {now_s(), 0};
    bool bar = !quiet && isatty(2);
    if (rc == 0 && bar)
        hcode_import_set_progress(im, draw, &pr);
    if (rc == 0)
        rc = hcode_import_csv(im, csv);
    if (bar)
        fputc('\n', stderr);
    double secs = now_s() - pr.start;
    if (rc) {
        const char *m = im ? hcode_import_errmsg(im) : "";
        ret = cli_fail(rc == HCODE_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "import", "%s",
                       *m ? m : hcode_strerror(rc));
    } else {
        unsigned long long rows = hcode_import_count(im, HCODE_IMPORT_ROWS),
                           ok = hcode_import_count(im, HCODE_IMPORT_IMPORTED),
                           recs = hcode_import_count(im, HCODE_IMPORT_RECORDS),
                           rej = hcode_import_count(im, HCODE_IMPORT_REJECTED),
                           dup = hcode_import_count(im, HCODE_IMPORT_DUPLICATES),
                           bat = hcode_import_count(im, HCODE_IMPORT_BATCHES);
        if (json)
            printf("{\"rows\":%llu,\"imported\":%llu,\"records\":%llu,\"rejected\":%llu,"
                   "\"duplicates\":%llu,\"batches\":%llu,\"seconds\":%lld}\n",
                   rows, ok, recs, rej, dup, bat, (long long)(secs + 0.5));
        else
            printf("imported %llu of %llu rows (%llu records, %llu duplicate rows stored once) in "
                   "%llu transactions; rejected %llu%s%s%s; %.1f s\n",
                   ok, rows, recs, dup, bat, rej, rej && rejects ? " (see " : "",
                   rej && rejects ? rejects : "", rej && rejects ? ")" : "", secs);
        ret = rej ? EXIT_NEGATIVE : 0;
    }
    hcode_import_free(im);
    hcode_ctx_free(ctx);
    hcode_keypair_free(kp);
    return ret;
}
