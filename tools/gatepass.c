/* Shared body of hcode checkin and hcode checkout. */
#include "cli.h"
#include "dbopen.h"
#include "gatepass.h"
#include "keyload.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char checkin_help[] =
    "usage: hcode checkin --db DB --trust FILE... --venue VENUE_PAYLOAD [--policy FILE] [--gate ID]\n"
    "                     [--at T] [--json] [PERSON_PAYLOAD... | -]\n\n"
    "Validates the person's code and the venue code, applies the venue policy, and records the\n"
    "check-in when admitted (acknowledged only after the database committed it). A person who is\n"
    "not admitted is not recorded; the reason is printed. With no PERSON_PAYLOAD, or '-', reads\n"
    "one payload per line from standard input.\n\n"
    "  --db DB           SQLite database file (created if missing, mode 0600) or postgresql:// URI\n"
    "  --trust FILE...   trusted issuer public keys (PREFIX.pub); repeatable\n"
    "  --venue PAYLOAD   the venue's code (HCV1:...)\n"
    "  --policy FILE     venue policy (JSON): admit, printed, max_code_age, dwell;\n"
    "                    default: green only, printed accepted, no age limit, 1h dwell\n"
    "  --gate ID         the gate's id, stored with the record\n"
    "  --at T            time of the check-in (ISO 8601 UTC or Unix seconds; default now)\n"
    "  --json            one JSON object per person: admitted, reason, status, subject, venue_id,\n"
    "                    at, record_id, message\n\n"
    "Durability: SQLite commits with synchronous=FULL; HCODE_SQLITE_SYNC=normal trades the last\n"
    "commits before a power cut for speed.\n"
    "Exit status: 0 admitted, 1 denied, 2 usage error, 3 runtime error (nothing recorded).\n";

static const char checkout_help[] =
    "usage: hcode checkout --db DB --trust FILE... --venue VENUE_PAYLOAD [--gate ID] [--at T]\n"
    "                      [--json] [PERSON_PAYLOAD... | -]\n\n"
    "Records a person leaving the venue (exit gate): ends the presence opened by their last\n"
    "check-in there. Both codes are verified; the status policy does not apply.\n\n"
    "  --db DB           SQLite database file or postgresql:// URI\n"
    "  --trust FILE...   trusted issuer public keys (PREFIX.pub); repeatable\n"
    "  --venue PAYLOAD   the venue's code (HCV1:...)\n"
    "  --gate ID         the gate's id\n"
    "  --at T            time of the check-out (default now)\n"
    "  --json            one JSON object per person, as checkin\n\n"
    "Exit status: 0 recorded, 1 refused (invalid code), 2 usage error, 3 runtime error.\n";

static int one(hcode_ctx *ctx, const char *cmd, bool checkin, const char *person, const char *venue,
               const char *gate, int64_t at, bool json)
{
    hcode_admission *a = NULL;
    int rc = checkin ? hcode_checkin(ctx, person, venue, gate, at, &a) : hcode_checkout(ctx, person, venue, gate, at, &a);
    if (rc)
        return cli_fail(EXIT_RUNTIME, cmd, "%s", hcode_errmsg(ctx)[0] ? hcode_errmsg(ctx) : hcode_strerror(rc));
    bool ok = hcode_admission_admitted(a);
    if (json) {
        char *s = NULL;
        if (hcode_admission_to_json(a, &s) != HCODE_OK) {
            hcode_admission_free(a);
            return cli_fail(EXIT_RUNTIME, cmd, "out of memory");
        }
        cli_print_json_line(s);
        hcode_free(s);
    } else if (ok) {
        char t[32];
        const char *st = hcode_status_name(hcode_admission_status(a));
        printf("%s %s subject=%s venue=%s at=%s\n", checkin ? "admitted" : "checked out", st ? st : "",
               hcode_admission_subject(a), hcode_admission_venue_id(a), cli_format_time(hcode_admission_at(a), t));
    } else {
        printf("denied %s: %s\n", hcode_admission_reason(a), hcode_admission_message(a));
    }
    if (!ok)
        fprintf(stderr, "hcode: %s: denied: %s: %s\n", cmd, hcode_admission_reason(a), hcode_admission_message(a));
    hcode_admission_free(a);
    return ok ? 0 : EXIT_NEGATIVE;
}

int cli_gate_pass(int argc, char **argv, bool checkin)
{
    const char *cmd = checkin ? "checkin" : "checkout";
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},    {"trust", required_argument, 0, 'T'},
        {"venue", required_argument, 0, 'v'}, {"policy", required_argument, 0, 'p'},
        {"gate", required_argument, 0, 'g'},  {"at", required_argument, 0, 'a'},
        {"json", no_argument, 0, 'j'},        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    char **av = cli_expand_trust(&argc, argv);
    if (!av)
        return cli_fail(EXIT_RUNTIME, cmd, "out of memory");
    char **trust = calloc((size_t)argc + 1, sizeof *trust);
    int ntrust = 0, c, ret = 0;
    const char *db = NULL, *venue = NULL, *policy = NULL, *gate = NULL;
    int64_t at = HCODE_NOW;
    bool json = false;
    hcode_ctx *ctx = NULL;
    if (!trust) {
        free(av);
        return cli_fail(EXIT_RUNTIME, cmd, "out of memory");
    }
    optind = 0;
    while ((c = getopt_long(argc, av, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'T': trust[ntrust++] = optarg; break;
        case 'v': venue = optarg; break;
        case 'p':
            if (!checkin) {
                ret = cli_fail(EXIT_USAGE, cmd, "--policy applies to checkin only");
                goto out;
            }
            policy = optarg;
            break;
        case 'g': gate = optarg; break;
        case 'j': json = true; break;
        case 'a':
            if (!cli_parse_time(optarg, &at)) {
                ret = cli_fail(EXIT_USAGE, cmd, "bad --at '%s' (ISO 8601 UTC or Unix seconds)", optarg);
                goto out;
            }
            break;
        case 'h': fputs(checkin ? checkin_help : checkout_help, stdout); goto out;
        default: fputs(checkin ? checkin_help : checkout_help, stderr); ret = EXIT_USAGE; goto out;
        }
    }
    if (!db || !venue || !ntrust) {
        ret = cli_fail(EXIT_USAGE, cmd, "--db, --trust and --venue are required (see --help)");
        goto out;
    }
    int rc = hcode_ctx_new(&ctx);
    if (rc) {
        ret = cli_fail(EXIT_RUNTIME, cmd, "%s", hcode_strerror(rc));
        goto out;
    }
    if ((ret = cli_add_trust(ctx, cmd, trust, ntrust)) != 0)
        goto out;
    if (policy) {
        hcode_policy *p = NULL;
        if (hcode_policy_load(ctx, policy, &p) != 0) {
            ret = cli_fail(EXIT_RUNTIME, cmd, "--policy %s", hcode_errmsg(ctx));
            goto out;
        }
        if (hcode_ctx_set_policy(ctx, p) != HCODE_OK) {
            ret = cli_fail(EXIT_RUNTIME, cmd, "out of memory");
            goto out;
        }
    }
    if ((ret = cli_open_db(ctx, cmd, db)) != 0)
        goto out;
    if (optind == argc || (optind + 1 == argc && !strcmp(av[optind], "-"))) {
        static char line[HCODE_PAYLOAD_MAX + 2];
        bool too_long;
        while (cli_read_line(stdin, line, sizeof line, &too_long)) {
            if (!line[0])
                continue;
            int r = one(ctx, cmd, checkin, too_long ? "" : line, venue, gate, at, json);
            if (r == EXIT_RUNTIME) {
                ret = r;
                goto out;
            }
            if (r)
                ret = r;
        }
    } else {
        for (int i = optind; i < argc; i++) {
            int r = one(ctx, cmd, checkin, av[i], venue, gate, at, json);
            if (r == EXIT_RUNTIME) {
                ret = r;
                goto out;
            }
            if (r)
                ret = r;
        }
    }
    fflush(stdout);
out:
    hcode_ctx_free(ctx);
    free(trust);
    free(av);
    return ret;
}
