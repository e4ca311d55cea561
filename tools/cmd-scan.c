/* hcode scan */
#include "cli.h"
#include "commands.h"
#include "keyload.h"
#include "trustopts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: hcode scan [--trust FILE...] [--root ROOT.pub] [--revoked LIST]... [--freshness D]\n"
    "                  [--require-presentation] [--at T] [--skew D] [--json] IMAGE...\n\n"
    "Finds every QR code in each image (PNG, JPEG or PGM) and verifies it offline:\n"
    "person codes, venue codes and live presentations (HCD1:, checked for freshness).\n"
    "Codes that are not health or venue codes are listed too, as malformed. Scanning\n"
    "does not use a presentation up (only a check-in does).\n\n"
    CLI_TRUSTOPTS_HELP
    "                    (without any --trust, every code is reported as unknown_issuer)\n"
    "  --at T            verify as of time T (ISO 8601 UTC or Unix seconds; default now)\n"
    "  --skew D          clock-skew tolerance for iat/exp and presentation times (default 30s)\n"
    "  --json            one JSON object per code found: image, the verify fields (valid,\n"
    "                    kind, issuer, region, iat, exp, status/subject or venue_id/name,\n"
    "                    error/message when invalid) and payload; an image without codes\n"
    "                    gives {\"image\":...,\"valid\":false,\"error\":\"no_code\",...}\n\n"
    "Exit status: 0 every image had at least one valid code, 1 otherwise,\n"
    "2 usage error, 3 an image could not be read or decoded, or a trust or revocation\n"
    "list was refused.\n";

static void print_json_escaped(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void print_payload_text(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch >= 0x20 && ch < 0x7f)
            putchar(ch);
        else
            printf("\\x%02x", ch);
    }
}

/* Returns 1 when the image had a valid code, 0 when not, -1 when it could
 * not be read. */
static int scan_one(hcode_ctx *ctx, const char *path, int64_t at, bool json)
{
    hcode_scan_result *r = NULL;
    int rc = hcode_qr_scan_file(ctx, path, at, &r);
    if (rc) {
        cli_fail(EXIT_RUNTIME, "scan", "%s", hcode_errmsg(ctx)[0] ? hcode_errmsg(ctx) : hcode_strerror(rc));
        return -1;
    }
    int any_valid = 0;
    size_t n = hcode_scan_result_count(r);
    if (n == 0) {
        if (json) {
            fputs("{\"image\":", stdout);
            print_json_escaped(path);
            fputs(",\"valid\":false,\"error\":\"no_code\",\"message\":\"no QR code found\"}\n", stdout);
        } else {
            printf("%s: no QR code found\n", path);
        }
        fprintf(stderr, "hcode: scan: %s: no QR code found\n", path);
    }
    for (size_t i = 0; i < n; i++) {
        const hcode_verdict *v = hcode_scan_result_verdict(r, i);
        bool ok = hcode_verdict_valid(v);
        any_valid |= ok;
        if (json) {
            char *s = NULL;
            if (hcode_scan_result_to_json(r, i, path, &s) != HCODE_OK) {
                fprintf(stderr, "hcode: scan: out of memory\n");
                exit(EXIT_RUNTIME);
            }
            cli_print_json_line(s);
            hcode_free(s);
            continue;
        }
        char t[32];
        printf("%s: ", path);
        if (ok && hcode_verdict_kind(v) == HCODE_KIND_VENUE)
            printf("valid venue %s \"%s\" region=%s issuer=%s expires=%s", hcode_verdict_venue_id(v),
                   hcode_verdict_venue_name(v), hcode_verdict_venue_region(v), hcode_verdict_issuer(v),
                   cli_format_time(hcode_verdict_exp(v), t));
        else if (ok)
            printf("valid %s %s subject=%s region=%s issuer=%s expires=%s",
                   hcode_kind_name(hcode_verdict_kind(v)),
                   hcode_status_name(hcode_verdict_status(v)), hcode_verdict_subject(v),
                   hcode_verdict_region(v), hcode_verdict_issuer(v),
                   cli_format_time(hcode_verdict_exp(v), t));
        else
            printf("invalid %s: %s", hcode_verdict_error(v), hcode_verdict_message(v));
        fputs(" payload=", stdout);
        print_payload_text(hcode_scan_result_payload(r, i), hcode_scan_result_payload_len(r, i));
        putchar('\n');
        if (!ok)
            fprintf(stderr, "hcode: scan: %s: %s: %s\n", path, hcode_verdict_error(v),
                    hcode_verdict_message(v));
    }
    hcode_scan_result_free(r);
    return any_valid;
}

int cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_TRUSTOPTS_LONG,                   {"at", required_argument, 0, 'a'},
        {"skew", required_argument, 0, 'k'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
    };
    char **av = cli_expand_trust(&argc, argv);
    if (!av)
        return cli_fail(EXIT_RUNTIME, "scan", "out of memory");
    cli_trustopts topts;
    int c, ret = 0;
    int64_t at = HCODE_NOW, skew = -1;
    bool json = false;
    hcode_ctx *ctx = NULL;
    if (cli_trustopts_init(&topts, argc)) {
        free(av);
        return cli_fail(EXIT_RUNTIME, "scan", "out of memory");
    }
    optind = 0;
    while ((c = getopt_long(argc, av, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 'a':
            if ((ret = cli_opt_at("scan", optarg, &at)))
                goto out;
            break;
        case 'k':
            if ((ret = cli_opt_skew("scan", optarg, &skew)))
                goto out;
            break;
        case 'h': fputs(help, stdout); goto out;
        default:
            ret = cli_trustopts_take(&topts, "scan", c, optarg);
            if (ret < 0) {
                fputs(help, stderr);
                ret = EXIT_USAGE;
            }
            if (ret)
                goto out;
        }
    }
    if (optind == argc) {
        ret = cli_fail(EXIT_USAGE, "scan", "no IMAGE given (see --help)");
        goto out;
    }
    int rc = hcode_ctx_new(&ctx);
    if (rc) {
        ret = cli_fail(EXIT_RUNTIME, "scan", "%s", hcode_strerror(rc));
        goto out;
    }
    if (skew >= 0 && hcode_ctx_set_skew(ctx, skew) != HCODE_OK) {
        ret = cli_fail(EXIT_USAGE, "scan", "--skew must be at most 7d");
        goto out;
    }
    if ((ret = cli_trustopts_apply(&topts, ctx, "scan", at)) != 0)
        goto out;
    bool all_ok = true, unreadable = false;
    for (int i = optind; i < argc; i++) {
        int r = scan_one(ctx, av[i], at, json);
        if (r < 0)
            unreadable = true;
        all_ok &= r > 0;
    }
    fflush(stdout);
    ret = unreadable ? EXIT_RUNTIME : all_ok ? 0 : EXIT_NEGATIVE;
out:
    hcode_ctx_free(ctx);
    cli_trustopts_free(&topts);
    free(av);
    return ret;
}
