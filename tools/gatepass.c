/* Shared body of hcode checkin and hcode checkout. */
#include "cli.h"
#include "dbopen.h"
#include "gatepass.h"
#include "keyload.h"
#include "trustopts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char checkin_help[] =
    "usage: hcode checkin --db DB --trust FILE... [--root ROOT.pub] [--revoked LIST]...\n"
    "                     [--freshness D] [--require-presentation] --venue VENUE_PAYLOAD\n"
    "                     [--policy FILE] [--gate ID] [--at T] [--skew D] [--json]\n"
    "                     [PERSON_PAYLOAD... | -]\n\n"
    "Validates the person's code (a person code HCP1: or a live presentation HCD1:) and the\n"
    "venue code, applies the venue policy, and records the check-in when admitted (acknowledged\n"
    "only after the database committed it). A person who is not admitted is not recorded; the\n"
    "reason is printed. A presentation that admitted someone is used up: shown again within its\n"
    "window (also to another hcode process on the same database) it is 'replayed'. With no\n"
    "PERSON_PAYLOAD, or '-', reads one payload per line from standard input.\n\n"
    "  --db DB           SQLite database file (created if missing, mode 0600) or postgresql:// URI\n"
    CLI_TRUSTOPTS_HELP
    "  --venue PAYLOAD   the venue's code (HCV1:...)\n"
    "  --policy FILE     venue policy (JSON): admit, printed (accept|reject|manual),\n"
    "                    max_code_age, dwell, require_presentation; default: green only,\n"
    "                    printed accepted, no age limit, 1h dwell, bare codes accepted\n"
    "  --gate ID         the gate's id, stored with the record\n"
    "  --outbox PATH     with a postgresql:// DB: when the server cannot be reached, commit the\n"
    "                    record durably to this local file and acknowledge it as queued; this\n"
    "                    and every later command with the same outbox (and hcode sync) deliver\n"
    "                    it exactly once, with its original time\n"
    "  --at T            time of the check-in (ISO 8601 UTC or Unix seconds; default now)\n"
    "  --skew D          clock-skew tolerance (default 30s)\n"
    "  --json            one JSON object per person: admitted, reason, status, subject, venue_id,\n"
    "                    at, record_id, message, manual_check, presentation, and queued\n"
    "                    with --outbox\n\n"
    "Reasons: admitted, manual_identity_check (admitted: staff must check the identity of a\n"
    "printed code's holder; printed as MANUAL IDENTITY CHECK), status_not_admitted,\n"
    "printed_not_accepted, holder_binding_required, replayed, stale, revoked, expired, ...\n"
    "Durability: SQLite commits with synchronous=FULL; HCODE_SQLITE_SYNC=normal trades the last\n"
    "commits before a power cut for speed.\n"
    "Exit status: 0 admitted, 1 denied, 2 usage error, 3 runtime error (nothing recorded; also\n"
    "a trust or revocation list that is refused).\n";

static const char checkout_help[] =
    "usage: hcode checkout --db DB --trust FILE... [--root ROOT.pub] [--revoked LIST]...\n"
    "                      [--freshness D] --venue VENUE_PAYLOAD [--gate ID] [--at T] [--skew D]\n"
    "                      [--json] [PERSON_PAYLOAD... | -]\n\n"
    "Records a person leaving the venue (exit gate): ends the presence opened by their last\n"
    "check-in there. Both codes are verified (a presentation must be fresh, but may be the one\n"
    "used to enter); the status policy does not apply.\n\n"
    "  --db DB           SQLite database file or postgresql:// URI\n"
    "  --trust FILE...   trusted issuer public keys (PREFIX.pub) and/or signed trust lists\n"
    "                    (need --root); repeatable\n"
    "  --root FILE       root public key that trust lists must verify under (exit 3 if not)\n"
    "  --revoked LIST    revocation list signed by a trusted issuer; repeatable\n"
    "  --freshness D     presentation window (default 60s)\n"
    "  --venue PAYLOAD   the venue's code (HCV1:...)\n"
    "  --gate ID         the gate's id\n"
    "  --outbox PATH     queue locally when the server cannot be reached (as checkin)\n"
    "  --at T            time of the check-out (default now)\n"
    "  --skew D          clock-skew tolerance (default 30s)\n"
    "  --json            one JSON object per person, as checkin\n\n"
    "Exit status: 0 recorded, 1 refused (invalid code), 2 usage error, 3 runtime error.\n";

static int one(hcode_ctx *ctx, const char *cmd, bool checkin, const char *person, const char *venue,
               const char *gate, int64_t at, bool json, hcode_outbox *ob)
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
        size_t n = strlen(s);
        if (ob && n && s[n - 1] == '}') {
            s[n - 1] = '\0';
            printf("%s,\"queued\":%s}\n", s, ok && hcode_outbox_last_queued(ob) ? "true" : "false");
        } else {
            cli_print_json_line(s);
        }
        hcode_free(s);
    } else if (ok) {
        char t[32];
        const char *st = hcode_status_name(hcode_admission_status(a));
        if (hcode_admission_manual_check(a))
            printf("MANUAL IDENTITY CHECK: %s\n", hcode_admission_message(a));
        printf("%s %s subject=%s venue=%s at=%s%s%s\n", checkin ? "admitted" : "checked out", st ? st : "",
               hcode_admission_subject(a), hcode_admission_venue_id(a), cli_format_time(hcode_admission_at(a), t),
               hcode_admission_manual_check(a) ? " manual_identity_check" : "",
               ob && hcode_outbox_last_queued(ob) ? " (queued)" : "");
    } else {
        printf("denied %s: %s\n", hcode_admission_reason(a), hcode_admission_message(a));
    }
    if (!ok)
        fprintf(stderr, "hcode: %s: denied: %s: %s\n", cmd, hcode_admission_reason(a), hcode_admission_message(a));
    else if (hcode_admission_manual_check(a))
        fprintf(stderr, "hcode: %s: MANUAL IDENTITY CHECK: %s\n", cmd, hcode_admission_message(a));
    hcode_admission_free(a);
    return ok ? 0 : EXIT_NEGATIVE;
}

int cli_gate_pass(int argc, char **argv, bool checkin)
{
    const char *cmd = checkin ? "checkin" : "checkout";
    static const struct option opts[] = {
        CLI_TRUSTOPTS_LONG,
        {"db", required_argument, 0, 'd'},    {"skew", required_argument, 0, 'k'},
        {"venue", required_argument, 0, 'v'}, {"policy", required_argument, 0, 'p'},
        {"gate", required_argument, 0, 'g'},  {"at", required_argument, 0, 'a'},
        {"json", no_argument, 0, 'j'},        {"help", no_argument, 0, 'h'},
        {"outbox", required_argument, 0, 'o'},
        {0, 0, 0, 0},
    };
    char **av = cli_expand_trust(&argc, argv);
    if (!av)
        return cli_fail(EXIT_RUNTIME, cmd, "out of memory");
    cli_trustopts topts;
    int c, ret = 0;
    const char *db = NULL, *venue = NULL, *policy = NULL, *gate = NULL, *outbox = NULL;
    hcode_outbox *ob = NULL;
    int64_t at = HCODE_NOW, skew = -1;
    bool json = false;
    hcode_ctx *ctx = NULL;
    if (cli_trustopts_init(&topts, argc)) {
        free(av);
        return cli_fail(EXIT_RUNTIME, cmd, "out of memory");
    }
    optind = 0;
    while ((c = getopt_long(argc, av, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'k':
            if ((ret = cli_opt_skew(cmd, optarg, &skew)))
                goto out;
            break;
        case 'v': venue = optarg; break;
        case 'p':
            if (!checkin) {
                ret = cli_fail(EXIT_USAGE, cmd, "--policy applies to checkin only");
                goto out;
            }
            policy = optarg;
            break;
        case 'g': gate = optarg; break;
        case 'o': outbox = optarg; break;
        case 'j': json = true; break;
        case 'a':
            if ((ret = cli_opt_at(cmd, optarg, &at)))
                goto out;
            break;
        case 'h': fputs(checkin ? checkin_help : checkout_help, stdout); goto out;
        case CLI_OPT_REQUIRE_PRESENTATION:
            if (!checkin) {
                ret = cli_fail(EXIT_USAGE, cmd, "--require-presentation applies to checkin only");
                goto out;
            }
            /* fall through */
        default:
            ret = cli_trustopts_take(&topts, cmd, c, optarg);
            if (ret < 0) {
                fputs(checkin ? checkin_help : checkout_help, stderr);
                ret = EXIT_USAGE;
            }
            if (ret)
                goto out;
        }
    }
    if (!db || !venue || !cli_trustopts_count(&topts)) {
        ret = cli_fail(EXIT_USAGE, cmd, "--db, --trust and --venue are required (see --help)");
        goto out;
    }
    int rc = hcode_ctx_new(&ctx);
    if (rc) {
        ret = cli_fail(EXIT_RUNTIME, cmd, "%s", hcode_strerror(rc));
        goto out;
    }
    if (skew >= 0 && hcode_ctx_set_skew(ctx, skew) != HCODE_OK) {
        ret = cli_fail(EXIT_USAGE, cmd, "--skew must be at most 7d");
        goto out;
    }
    if ((ret = cli_trustopts_apply(&topts, ctx, cmd, at)) != 0)
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
    if (outbox) {
        if (strncmp(db, "postgresql://", 13) && strncmp(db, "postgres://", 11)) {
            ret = cli_fail(EXIT_USAGE, cmd, "--outbox needs a postgresql:// --db");
            goto out;
        }
        if ((rc = hcode_outbox_open(&ob, outbox)) != 0) {
            ret = cli_fail(EXIT_RUNTIME, cmd, "--outbox %s: %s", outbox, hcode_strerror(rc));
            goto out;
        }
        /* the server may be away: then every record is queued */
        hcode_store *inner = NULL, *st = NULL;
        if (hcode_store_open(&inner, db) != 0)
            inner = NULL;
        if ((rc = hcode_outbox_store_new(&st, ob, inner)) != 0) {
            hcode_store_free(inner);
            ret = cli_fail(EXIT_RUNTIME, cmd, "%s", hcode_strerror(rc));
            goto out;
        }
        if ((rc = hcode_ctx_set_store(ctx, st)) != 0) {
            ret = cli_fail(EXIT_RUNTIME, cmd, "%s", hcode_strerror(rc));
            goto out;
        }
    } else if ((ret = cli_open_db(ctx, cmd, db)) != 0) {
        goto out;
    }
    if (optind == argc || (optind + 1 == argc && !strcmp(av[optind], "-"))) {
        static char line[HCODE_PAYLOAD_MAX + 2];
        bool too_long;
        while (cli_read_line(stdin, line, sizeof line, &too_long)) {
            if (!line[0])
                continue;
            int r = one(ctx, cmd, checkin, too_long ? "" : line, venue, gate, at, json, ob);
            if (r == EXIT_RUNTIME) {
                ret = r;
                goto out;
            }
            if (r)
                ret = r;
        }
    } else {
        for (int i = optind; i < argc; i++) {
            int r = one(ctx, cmd, checkin, av[i], venue, gate, at, json, ob);
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
    cli_trustopts_free(&topts);
    hcode_outbox_free(ob);
    free(av);
    return ret;
}
