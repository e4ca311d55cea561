/* hcode trace */
#include "cli.h"
#include "commands.h"
#include "dbopen.h"
#include "keyload.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: hcode trace --db DB (--subject ID --key PREFIX.key | --pseudonym HEX) --from T --to T\n"
    "                   [--dwell D] [--depth 1|2] [--min-overlap D] --operator NAME --purpose TEXT\n"
    "                   [--audit-key FILE] [--json | --format jsonl|csv]\n"
    "       hcode trace --db DB --venue ID --from T --to T [--dwell D] [--min-overlap D]\n"
    "                   --operator NAME --purpose TEXT [--audit-key FILE] [--json | --format jsonl|csv]\n\n"
    "Reverse trace of a case: the case's visits in the window [from, to), and every other person\n"
    "whose presence overlapped at the same venue (presence and overlap: see tracing.md). With\n"
    "--venue: everyone present at that venue in the window.\n\n"
    "  --db DB             SQLite database file or postgresql:// URI\n"
    "  --subject ID        the case's identifier; --key is the issuer key that pseudonymised it\n"
    "  --pseudonym HEX     the case's pseudonym (32 hex characters) instead\n"
    "  --venue ID          trace a venue instead of a person\n"
    "  --from T, --to T    the infectious window (ISO 8601 UTC or Unix seconds)\n"
    "  --dwell D           presence after a check-in without check-out (default 1h)\n"
    "  --depth 1|2         2 adds secondary contacts (default 1)\n"
    "  --min-overlap D     drop contacts with less overlap (default 1s)\n"
    "  --operator NAME     who runs the trace (required; audited)\n"
    "  --purpose TEXT      why (required; audited)\n"
    "  --audit-key FILE    secret key signing the audit log; default for a SQLite DB: DB.audit.key,\n"
    "                      created on first use (mode 0600) with DB.audit.pub next to it\n"
    "  --json              JSON lines (same as --format jsonl): subject, venue_id, overlap_start,\n"
    "                      overlap_seconds, depth per contact\n"
    "  --format F          jsonl or csv (cells starting with = + - @ are neutralised)\n\n"
    "Every trace appends an entry (time, operator, purpose, query, result count) to the\n"
    "hash-chained audit log; a trace whose entry cannot be written does not run.\n"
    "Exit status: 0 success, 2 usage error, 3 runtime error (including the audit log).\n";

int cmd_trace(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},          {"subject", required_argument, 0, 's'},
        {"key", required_argument, 0, 'k'},         {"pseudonym", required_argument, 0, 'P'},
        {"venue", required_argument, 0, 'v'},       {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},          {"dwell", required_argument, 0, 'w'},
        {"depth", required_argument, 0, 'D'},       {"min-overlap", required_argument, 0, 'm'},
        {"operator", required_argument, 0, 'o'},    {"purpose", required_argument, 0, 'p'},
        {"audit-key", required_argument, 0, 'A'},   {"json", no_argument, 0, 'j'},
        {"format", required_argument, 0, 'F'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *db = NULL, *subject = NULL, *keyfile = NULL, *pseudonym = NULL, *venue = NULL, *op = NULL,
               *purpose = NULL, *auditkey = NULL, *format = NULL;
    int64_t from = -1, to = -1, dwell = 0, min_overlap = 0;
    int depth = 1, c, ret = 0;
    bool has_from = false, has_to = false;
    hcode_ctx *ctx = NULL;
    hcode_trace *tr = NULL;
    char *text = NULL;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 's': subject = optarg; break;
        case 'k': keyfile = optarg; break;
        case 'P': pseudonym = optarg; break;
        case 'v': venue = optarg; break;
        case 'o': op = optarg; break;
        case 'p': purpose = optarg; break;
        case 'A': auditkey = optarg; break;
        case 'j': format = "jsonl"; break;
        case 'F':
            if (strcmp(optarg, "jsonl") && strcmp(optarg, "csv"))
                return cli_fail(EXIT_USAGE, "trace", "--format must be jsonl or csv");
            format = optarg;
            break;
        case 'f':
            if (!cli_parse_time(optarg, &from))
                return cli_fail(EXIT_USAGE, "trace", "bad --from '%s' (ISO 8601 UTC or Unix seconds)", optarg);
            has_from = true;
            break;
        case 't':
            if (!cli_parse_time(optarg, &to))
                return cli_fail(EXIT_USAGE, "trace", "bad --to '%s' (ISO 8601 UTC or Unix seconds)", optarg);
            has_to = true;
            break;
        case 'w':
            if (!cli_parse_duration(optarg, &dwell) || dwell <= 0)
                return cli_fail(EXIT_USAGE, "trace", "bad --dwell '%s'", optarg);
            break;
        case 'm':
            if (!cli_parse_duration(optarg, &min_overlap) || min_overlap <= 0)
                return cli_fail(EXIT_USAGE, "trace", "bad --min-overlap '%s'", optarg);
            break;
        case 'D':
            if (strcmp(optarg, "1") && strcmp(optarg, "2"))
                return cli_fail(EXIT_USAGE, "trace", "--depth must be 1 or 2");
            depth = optarg[0] - '0';
            break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_fail(EXIT_USAGE, "trace", "unexpected argument '%s'", argv[optind]);
    if (!op || !*op || !purpose || !*purpose)
        return cli_fail(EXIT_USAGE, "trace", "--operator and --purpose are required: every trace is audited");
    if (!db || !has_from || !has_to)
        return cli_fail(EXIT_USAGE, "trace", "--db, --from and --to are required (see --help)");
    int modes = (subject != NULL) + (pseudonym != NULL) + (venue != NULL);
    if (modes != 1)
        return cli_fail(EXIT_USAGE, "trace", "give exactly one of --subject (with --key), --pseudonym, --venue");
    if (subject && !keyfile)
        return cli_fail(EXIT_USAGE, "trace", "--subject needs --key PREFIX.key (the issuer key)");
    if (venue && depth != 1)
        return cli_fail(EXIT_USAGE, "trace", "--depth applies to person traces only");
    if (from >= to)
        return cli_fail(EXIT_USAGE, "trace", "--from must be before --to");
    int rc = hcode_ctx_new(&ctx);
    if (rc)
        return cli_fail(EXIT_RUNTIME, "trace", "%s", hcode_strerror(rc));
    char pseudo[33];
    if (subject) {
        hcode_keypair *kp = NULL;
        if ((ret = cli_load_key("trace", keyfile, &kp)) != 0)
            goto out;
        rc = hcode_keypair_pseudonym(kp, subject, pseudo, sizeof pseudo);
        hcode_keypair_free(kp);
        if (rc) {
            ret = cli_fail(EXIT_USAGE, "trace", "--subject: %s", hcode_strerror(rc));
            goto out;
        }
        pseudonym = pseudo;
    } else if (pseudonym) {
        size_t n = strlen(pseudonym);
        if (n != 32) {
            ret = cli_fail(EXIT_USAGE, "trace", "--pseudonym must be 32 hex characters");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            pseudo[i] = (char)((pseudonym[i] >= 'A' && pseudonym[i] <= 'F') ? pseudonym[i] + 32 : pseudonym[i]);
        pseudo[n] = '\0';
        pseudonym = pseudo;
    }
    if ((ret = cli_open_db(ctx, "trace", db)) != 0 || (ret = cli_setup_audit(ctx, "trace", db, auditkey)) != 0)
        goto out;
    rc = venue ? hcode_trace_venue(ctx, venue, from, to, dwell, min_overlap, op, purpose, &tr)
               : hcode_trace_subject(ctx, pseudonym, from, to, dwell, depth, min_overlap, op, purpose, &tr);
    if (rc) {
        ret = cli_fail(rc == HCODE_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "trace", "%s",
                       hcode_errmsg(ctx)[0] ? hcode_errmsg(ctx) : hcode_strerror(rc));
        goto out;
    }
    if (format) {
        rc = !strcmp(format, "csv") ? hcode_trace_to_csv(tr, &text) : hcode_trace_to_jsonl(tr, &text);
        if (rc) {
            ret = cli_fail(EXIT_RUNTIME, "trace", "%s", hcode_strerror(rc));
            goto out;
        }
        fputs(text, stdout);
    } else {
        char t1[32], t2[32];
        size_t nv = hcode_trace_visit_count(tr), n = hcode_trace_count(tr);
        if (!venue) {
            printf("case %s: %zu visit%s\n", pseudonym, nv, nv == 1 ? "" : "s");
            for (size_t i = 0; i < nv; i++)
                printf("  visit %s %s .. %s\n", hcode_trace_visit_venue(tr, i),
                       cli_format_time(hcode_trace_visit_start(tr, i), t1),
                       cli_format_time(hcode_trace_visit_end(tr, i), t2));
        } else {
            printf("venue %s\n", venue);
        }
        printf("%zu contact%s\n", n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n; i++)
            printf("  depth %d %s at %s from %s for %llds\n", hcode_trace_contact_depth(tr, i),
                   hcode_trace_contact_subject(tr, i), hcode_trace_contact_venue(tr, i),
                   cli_format_time(hcode_trace_contact_start(tr, i), t1),
                   (long long)hcode_trace_contact_seconds(tr, i));
    }
    fflush(stdout);
out:
    hcode_free(text);
    hcode_trace_free(tr);
    hcode_ctx_free(ctx);
    return ret;
}
