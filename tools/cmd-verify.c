/* hcode verify */
#include "cli.h"
#include "commands.h"
#include "keyload.h"
#include "trustopts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: hcode verify --trust FILE... [--root ROOT.pub] [--revoked LIST]... [--freshness D]\n"
    "                    [--require-presentation] [--at T] [--skew D] [--json] [PAYLOAD... | -]\n\n"
    "Verifies payloads offline. With no PAYLOAD, or '-', reads one payload per line\n"
    "from standard input. Prints one verdict per payload.\n\n"
    CLI_TRUSTOPTS_HELP
    "  --at T            verify as of time T (ISO 8601 UTC or Unix seconds; default now)\n"
    "  --skew D          clock-skew tolerance for iat/exp, presentation times and list\n"
    "                    issue times (default 30s)\n"
    "  --json            one JSON object per payload: valid, kind, issuer, region, iat, exp,\n"
    "                    status/subject or venue_id/name, error/message when invalid\n\n"
    "Exit status: 0 all valid, 1 any invalid, 2 usage error, 3 runtime error.\n";

static bool report(hcode_ctx *ctx, const char *payload, size_t len, int64_t at, bool json, long n,
                   bool too_long)
{
    hcode_verdict *v = NULL;
    if (too_long)
        len = hcode_payload_max() + 1; /* only the length matters: it is refused */
    int rc = hcode_verify(ctx, payload, len, at, &v);
    if (rc) {
        fprintf(stderr, "hcode: verify: %s\n", hcode_strerror(rc));
        exit(EXIT_RUNTIME);
    }
    bool ok = hcode_verdict_valid(v);
    if (json) {
        char *s = NULL;
        if (hcode_verdict_to_json(v, &s) != HCODE_OK) {
            fprintf(stderr, "hcode: verify: out of memory\n");
            exit(EXIT_RUNTIME);
        }
        cli_print_json_line(s);
        hcode_free(s);
    } else if (ok) {
        char t[32];
        if (hcode_verdict_kind(v) == HCODE_KIND_VENUE)
            printf("valid venue %s \"%s\" region=%s issuer=%s expires=%s\n", hcode_verdict_venue_id(v),
                   hcode_verdict_venue_name(v), hcode_verdict_venue_region(v), hcode_verdict_issuer(v),
                   cli_format_time(hcode_verdict_exp(v), t));
        else
            printf("valid %s %s subject=%s region=%s issuer=%s expires=%s%s\n",
                   hcode_kind_name(hcode_verdict_kind(v)),
                   hcode_status_name(hcode_verdict_status(v)), hcode_verdict_subject(v),
                   hcode_verdict_region(v), hcode_verdict_issuer(v),
                   cli_format_time(hcode_verdict_exp(v), t),
                   hcode_verdict_printed(v) ? " printed" : "");
    } else {
        printf("invalid %s: %s\n", hcode_verdict_error(v), hcode_verdict_message(v));
    }
    if (!ok)
        fprintf(stderr, "hcode: verify: payload %ld: %s: %s\n", n, hcode_verdict_error(v),
                hcode_verdict_message(v));
    hcode_verdict_free(v);
    return ok;
}

int cmd_verify(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_TRUSTOPTS_LONG,                   {"at", required_argument, 0, 'a'},
        {"skew", required_argument, 0, 'k'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
    };
    char **av = cli_expand_trust(&argc, argv);
    if (!av)
        return cli_fail(EXIT_RUNTIME, "verify", "out of memory");
    cli_trustopts topts;
    int c, ret = 0;
    if (cli_trustopts_init(&topts, argc)) {
        free(av);
        return cli_fail(EXIT_RUNTIME, "verify", "out of memory");
    }
    int64_t at = HCODE_NOW, skew = -1;
    bool json = false;
    hcode_ctx *ctx = NULL;
    optind = 0;
    while ((c = getopt_long(argc, av, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'a':
            if ((ret = cli_opt_at("verify", optarg, &at)))
                goto out;
            break;
        case 'k':
            if ((ret = cli_opt_skew("verify", optarg, &skew)))
                goto out;
            break;
        case 'h': fputs(help, stdout); goto out;
        default:
            ret = cli_trustopts_take(&topts, "verify", c, optarg);
            if (ret < 0) {
                fputs(help, stderr);
                ret = EXIT_USAGE;
            }
            if (ret)
                goto out;
        }
    }
    if (!cli_trustopts_count(&topts)) {
        ret = cli_fail(EXIT_USAGE, "verify", "--trust FILE is required (see --help)");
        goto out;
    }
    int rc = hcode_ctx_new(&ctx);
    if (rc) {
        ret = cli_fail(EXIT_RUNTIME, "verify", "%s", hcode_strerror(rc));
        goto out;
    }
    if (skew >= 0 && hcode_ctx_set_skew(ctx, skew) != HCODE_OK) {
        ret = cli_fail(EXIT_USAGE, "verify", "--skew must be at most 7d");
        goto out;
    }
    if ((ret = cli_trustopts_apply(&topts, ctx, "verify", at)) != 0)
        goto out;
    bool all_ok = true;
    long n = 0;
    if (optind == argc || (optind + 1 == argc && !strcmp(av[optind], "-"))) {
        static char line[HCODE_PAYLOAD_MAX + 2];
        bool too_long;
        while (cli_read_line(stdin, line, sizeof line, &too_long))
            all_ok &= report(ctx, line, strlen(line), at, json, ++n, too_long);
    } else {
        for (int i = optind; i < argc; i++)
            all_ok &= report(ctx, av[i], strlen(av[i]), at, json, ++n, false);
    }
    fflush(stdout);
    ret = all_ok ? 0 : EXIT_NEGATIVE;
out:
    hcode_ctx_free(ctx);
    cli_trustopts_free(&topts);
    free(av);
    return ret;
}
