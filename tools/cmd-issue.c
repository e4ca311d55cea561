/* hcode issue, hcode venue */
#include "cli.h"
#include "commands.h"
#include "keyload.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char issue_help[] =
    "usage: hcode issue --key PREFIX.key --subject ID --status S [--ttl D] [--name NAME]\n"
    "                   [--holder HOLDER.pub] [--reason R]... [--printed] [--at T]\n\n"
    "Signs a person's health code and prints it as one payload line.\n\n"
    "  --key FILE        issuer secret key (from hcode keygen)\n"
    "  --subject ID      the person's identifier (e.g. identity-card number); only a keyed\n"
    "                    pseudonym of it goes into the code, never the identifier itself\n"
    "  --status S        green, yellow or red\n"
    "  --ttl D           validity: 90s, 15m, 2h, 7d or seconds (default 1d; printed codes 30d)\n"
    "  --name NAME       optional masked display name, e.g. \"张*三\"\n"
    "  --holder FILE     bind the code to a holder key (PREFIX.pub of the phone's key)\n"
    "  --reason R        reason flag: contact, travel, symptoms, positive, no-test (repeatable)\n"
    "  --printed         a printed code for people without a smartphone (no holder key)\n"
    "  --at T            issue time: ISO 8601 UTC or Unix seconds (default now)\n";

static const char venue_help[] =
    "usage: hcode venue --key PREFIX.key --venue-id ID --name NAME [--region R] [--category C]\n"
    "                   [--ttl D] [--at T]\n\n"
    "Signs a venue code (long-lived, printable) and prints it as one payload line.\n\n"
    "  --key FILE        issuer secret key\n"
    "  --venue-id ID     the venue's identifier, e.g. 370102-000123\n"
    "  --name NAME       the venue's name (UTF-8)\n"
    "  --region R        the venue's region (default: the issuer's)\n"
    "  --category C      e.g. mall, restaurant, clinic, transport\n"
    "  --ttl D           validity (default 3 years)\n"
    "  --at T            issue time (default now)\n";

static int reason_flag(const char *s, uint32_t *f)
{
    static const struct { const char *name; uint32_t bit; } r[] = {
        {"contact", HCODE_REASON_CONTACT},   {"travel", HCODE_REASON_TRAVEL},
        {"symptoms", HCODE_REASON_SYMPTOMS}, {"positive", HCODE_REASON_POSITIVE},
        {"no-test", HCODE_REASON_NO_TEST},
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        if (!strcmp(s, r[i].name)) {
            *f |= r[i].bit;
            return 0;
        }
    return -1;
}

int cmd_issue(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, 0, 'k'},     {"subject", required_argument, 0, 's'},
        {"status", required_argument, 0, 'S'},  {"ttl", required_argument, 0, 't'},
        {"name", required_argument, 0, 'n'},    {"holder", required_argument, 0, 'H'},
        {"reason", required_argument, 0, 'r'},  {"printed", no_argument, 0, 'p'},
        {"at", required_argument, 0, 'a'},      {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *key = NULL, *subject = NULL, *status = NULL, *name = NULL, *holder = NULL;
    int64_t ttl = 0, at = HCODE_NOW;
    uint32_t flags = 0;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 's': subject = optarg; break;
        case 'S': status = optarg; break;
        case 'n': name = optarg; break;
        case 'H': holder = optarg; break;
        case 'p': flags |= HCODE_FLAG_PRINTED; break;
        case 't':
            if (!cli_parse_duration(optarg, &ttl) || ttl == 0)
                return cli_fail(EXIT_USAGE, "issue", "bad --ttl '%s' (e.g. 90s, 15m, 2h, 7d)", optarg);
            break;
        case 'a':
            if (!cli_parse_time(optarg, &at))
                return cli_fail(EXIT_USAGE, "issue", "bad --at '%s' (ISO 8601 UTC or Unix seconds)", optarg);
            break;
        case 'r':
            if (reason_flag(optarg, &flags))
                return cli_fail(EXIT_USAGE, "issue", "unknown --reason '%s'", optarg);
            break;
        case 'h': fputs(issue_help, stdout); return 0;
        default: fputs(issue_help, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_fail(EXIT_USAGE, "issue", "unexpected argument '%s'", argv[optind]);
    if (!key || !subject || !status)
        return cli_fail(EXIT_USAGE, "issue", "--key, --subject and --status are required (see --help)");
    int st = hcode_status_parse(status);
    if (st < 0)
        return cli_fail(EXIT_USAGE, "issue", "--status must be green, yellow or red, not '%s'", status);
    if (holder && (flags & HCODE_FLAG_PRINTED))
        return cli_fail(EXIT_USAGE, "issue", "a printed code carries no holder key: drop --holder or --printed");
    if (!ttl && (flags & HCODE_FLAG_PRINTED))
        ttl = 30 * 86400;

    hcode_ctx *ctx = NULL;
    hcode_keypair *kp = NULL;
    char *payload = NULL;
    uint8_t hpk[32];
    int rc = hcode_ctx_new(&ctx), ret;
    if (rc)
        return cli_fail(EXIT_RUNTIME, "issue", "%s", hcode_strerror(rc));
    if ((ret = cli_load_key("issue", key, &kp)) != 0)
        goto out;
    if (holder && (rc = hcode_public_key_load(ctx, holder, hpk)) != HCODE_OK) {
        ret = cli_lib_fail(ctx, rc == HCODE_EINVAL ? HCODE_EIO : rc, "issue", "--holder");
        goto out;
    }
    rc = hcode_issue_person(ctx, kp, subject, st, at, ttl, name, flags, holder ? hpk : NULL, &payload);
    if (rc) {
        ret = cli_lib_fail(ctx, rc, "issue", "cannot issue");
        goto out;
    }
    printf("%s\n", payload);
    ret = 0;
out:
    hcode_free(payload);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
    return ret;
}

int cmd_venue(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, 0, 'k'},      {"venue-id", required_argument, 0, 'v'},
        {"name", required_argument, 0, 'n'},     {"region", required_argument, 0, 'r'},
        {"category", required_argument, 0, 'c'}, {"ttl", required_argument, 0, 't'},
        {"at", required_argument, 0, 'a'},       {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *key = NULL, *vid = NULL, *name = NULL, *region = NULL, *category = NULL;
    int64_t ttl = 0, at = HCODE_NOW;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'v': vid = optarg; break;
        case 'n': name = optarg; break;
        case 'r': region = optarg; break;
        case 'c': category = optarg; break;
        case 't':
            if (!cli_parse_duration(optarg, &ttl) || ttl == 0)
                return cli_fail(EXIT_USAGE, "venue", "bad --ttl '%s'", optarg);
            break;
        case 'a':
            if (!cli_parse_time(optarg, &at))
                return cli_fail(EXIT_USAGE, "venue", "bad --at '%s'", optarg);
            break;
        case 'h': fputs(venue_help, stdout); return 0;
        default: fputs(venue_help, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_fail(EXIT_USAGE, "venue", "unexpected argument '%s'", argv[optind]);
    if (!key || !vid || !name)
        return cli_fail(EXIT_USAGE, "venue", "--key, --venue-id and --name are required (see --help)");
    hcode_ctx *ctx = NULL;
    hcode_keypair *kp = NULL;
    char *payload = NULL;
    int rc = hcode_ctx_new(&ctx), ret;
    if (rc)
        return cli_fail(EXIT_RUNTIME, "venue", "%s", hcode_strerror(rc));
    if ((ret = cli_load_key("venue", key, &kp)) != 0)
        goto out;
    rc = hcode_issue_venue(ctx, kp, vid, name, region, category, at, ttl, &payload);
    if (rc) {
        ret = cli_lib_fail(ctx, rc, "venue", "cannot issue");
        goto out;
    }
    printf("%s\n", payload);
    ret = 0;
out:
    hcode_free(payload);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
    return ret;
}
