/* hcode revoke */
#include "cli.h"
#include "commands.h"
#include "keyload.h"
#include "trustopts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: hcode revoke --key ISSUER.key --out LIST [--at T] [PAYLOAD... | -]\n\n"
    "Signs a revocation list naming the given codes by their unique code id (never\n"
    "their bytes). Each code must have been signed by ISSUER.key. With no PAYLOAD, or\n"
    "'-', reads one payload per line from standard input. Verifiers load the list\n"
    "with --revoked LIST; it applies only to codes of this issuer key.\n\n"
    "  --key FILE        issuer secret key (the key that signed the codes)\n"
    "  --out FILE        the list to write (\"HCRL1:\" + Base45 text; replaced atomically)\n"
    "  --at T            issue time: ISO 8601 UTC or Unix seconds (default now)\n";

int cmd_revoke(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, 0, 'k'}, {"out", required_argument, 0, 'o'},
        {"at", required_argument, 0, 'a'},  {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *key = NULL, *out = NULL;
    int64_t at = HCODE_NOW;
    int c, ret = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'k': key = optarg; break;
        case 'o': out = optarg; break;
        case 'a':
            if (!cli_parse_time(optarg, &at))
                return cli_fail(EXIT_USAGE, "revoke", "bad --at '%s' (ISO 8601 UTC or Unix seconds)", optarg);
            break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USAGE;
        }
    }
    if (!key || !out)
        return cli_fail(EXIT_USAGE, "revoke", "--key and --out are required (see --help)");
    hcode_ctx *ctx = NULL;
    hcode_keypair *kp = NULL;
    uint8_t *ids = NULL;
    size_t n = 0, cap = 0;
    char *text = NULL;
    int rc = hcode_ctx_new(&ctx);
    if (rc)
        return cli_fail(EXIT_RUNTIME, "revoke", "%s", hcode_strerror(rc));
    if ((ret = cli_load_key("revoke", key, &kp)) != 0)
        goto done;
    bool from_stdin = optind == argc || (optind + 1 == argc && !strcmp(argv[optind], "-"));
    static char line[HCODE_PAYLOAD_MAX + 2];
    for (int i = optind;; i++) {
        const char *p;
        bool too_long = false;
        if (from_stdin) {
            if (!cli_read_line(stdin, line, sizeof line, &too_long))
                break;
            if (!line[0] && !too_long)
                continue;
            p = line;
        } else {
            if (i >= argc)
                break;
            p = argv[i];
        }
        if (too_long) {
            ret = cli_fail(EXIT_NEGATIVE, "revoke", "payload %zu: longer than %zu characters", n + 1,
                           hcode_payload_max());
            goto done;
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            uint8_t *nb = realloc(ids, cap * hcode_code_id_bytes());
            if (!nb) {
                ret = cli_fail(EXIT_RUNTIME, "revoke", "out of memory");
                goto done;
            }
            ids = nb;
        }
        rc = hcode_code_id(ctx, kp, p, strlen(p), ids + n * hcode_code_id_bytes());
        if (rc) {
            ret = cli_fail(rc == HCODE_EINVAL ? EXIT_NEGATIVE : EXIT_RUNTIME, "revoke", "payload %zu: %s", n + 1,
                           hcode_errmsg(ctx));
            goto done;
        }
        n++;
    }
    if (n == 0) {
        ret = cli_fail(EXIT_USAGE, "revoke", "no payload to revoke");
        goto done;
    }
    rc = hcode_revocation_sign(ctx, kp, ids, n, at, &text);
    if (rc) {
        ret = cli_lib_fail(ctx, rc, "revoke", "cannot sign");
        goto done;
    }
    ret = cli_write_atomic("revoke", out, text, strlen(text));
    if (!ret)
        printf("%zu code%s revoked by %s in %s\n", n, n == 1 ? "" : "s", hcode_keypair_kid_hex(kp), out);
done:
    hcode_free(text);
    free(ids);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
    return ret;
}
