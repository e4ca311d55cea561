/* hcode trust sign */
#include "cli.h"
#include "commands.h"
#include "keyload.h"
#include "trustopts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: hcode trust sign --key ROOT.key --out LIST [--ttl D] [--at T]\n"
    "                        [--usage U] [--not-before T] [--not-after T] ISSUER.pub...\n\n"
    "Signs a trust list: the given issuers (region, public key, validity, usage) signed\n"
    "by a root key. Gates configured with the root public key load it offline with\n"
    "--trust LIST --root ROOT.pub; regions recognise each other by trusting one list.\n\n"
    "  --key FILE        root secret key (from hcode keygen)\n"
    "  --out FILE        the list to write (\"HCTL1:\" + Base45 text; replaced atomically)\n"
    "  --ttl D           validity of the list (default 30d)\n"
    "  --at T            issue time: ISO 8601 UTC or Unix seconds (default now)\n"
    "  --usage U         person, venue or both (default both)\n"
    "  --not-before T    codes issued before T are refused (default: no limit)\n"
    "  --not-after T     codes issued after T are refused, for key rotation (default: none)\n"
    "--usage, --not-before and --not-after apply to the ISSUER.pub files after them.\n";

int cmd_trust(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, 0, 'k'},       {"out", required_argument, 0, 'o'},
        {"ttl", required_argument, 0, 't'},       {"at", required_argument, 0, 'a'},
        {"usage", required_argument, 0, 'u'},     {"not-before", required_argument, 0, 'b'},
        {"not-after", required_argument, 0, 'e'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "sign") != 0) {
        fputs(help, stderr);
        return cli_fail(EXIT_USAGE, "trust", "expected 'trust sign' (see --help)");
    }
    argc--;
    argv++;
    const char *key = NULL, *out = NULL;
    int64_t ttl = 0, at = HCODE_NOW, nbf = 0, naf = 0;
    unsigned usage = HCODE_USAGE_ALL;
    hcode_trust_entry *entries = calloc((size_t)argc + 1, sizeof *entries);
    const char **files = calloc((size_t)argc + 1, sizeof *files);
    size_t n = 0;
    int c, ret = 0;
    hcode_ctx *ctx = NULL;
    hcode_keypair *kp = NULL;
    char *text = NULL;
    if (!entries || !files) {
        ret = cli_fail(EXIT_RUNTIME, "trust", "out of memory");
        goto out;
    }
    optind = 0;
    while ((c = getopt_long(argc, argv, "-", opts, NULL)) != -1) {
        switch (c) {
        case 1:
            entries[n].usage = usage;
            entries[n].not_before = nbf;
            entries[n].not_after = naf;
            files[n++] = optarg;
            break;
        case 'k': key = optarg; break;
        case 'o': out = optarg; break;
        case 't':
            if (!cli_parse_duration(optarg, &ttl) || ttl == 0) {
                ret = cli_fail(EXIT_USAGE, "trust", "bad --ttl '%s'", optarg);
                goto out;
            }
            break;
        case 'a':
        case 'b':
        case 'e': {
            int64_t t;
            if (!cli_parse_time(optarg, &t)) {
                ret = cli_fail(EXIT_USAGE, "trust", "bad time '%s' (ISO 8601 UTC or Unix seconds)", optarg);
                goto out;
            }
            if (c == 'a')
                at = t;
            else if (c == 'b')
                nbf = t;
            else
                naf = t;
            break;
        }
        case 'u':
            if (!strcmp(optarg, "person"))
                usage = HCODE_USAGE_PERSON;
            else if (!strcmp(optarg, "venue"))
                usage = HCODE_USAGE_VENUE;
            else if (!strcmp(optarg, "both"))
                usage = HCODE_USAGE_ALL;
            else {
                ret = cli_fail(EXIT_USAGE, "trust", "--usage must be person, venue or both");
                goto out;
            }
            break;
        case 'h': fputs(help, stdout); goto out;
        default: fputs(help, stderr); ret = EXIT_USAGE; goto out;
        }
    }
    if (!key || !out || n == 0) {
        ret = cli_fail(EXIT_USAGE, "trust", "--key, --out and at least one ISSUER.pub are required");
        goto out;
    }
    int rc = hcode_ctx_new(&ctx);
    if (rc) {
        ret = cli_fail(EXIT_RUNTIME, "trust", "%s", hcode_strerror(rc));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        hcode_trust_entry e;
        if ((rc = hcode_trust_entry_from_file(ctx, files[i], &e)) != HCODE_OK) {
            ret = cli_lib_fail(ctx, rc == HCODE_EINVAL ? HCODE_EFORMAT : rc, "trust", files[i]);
            goto out;
        }
        e.usage = entries[i].usage;
        e.not_before = entries[i].not_before;
        e.not_after = entries[i].not_after;
        entries[i] = e;
    }
    if ((ret = cli_load_key("trust", key, &kp)) != 0)
        goto out;
    rc = hcode_trustlist_sign(ctx, kp, entries, n, at, ttl, &text);
    if (rc) {
        ret = cli_lib_fail(ctx, rc, "trust", "cannot sign");
        goto out;
    }
    ret = cli_write_atomic("trust", out, text, strlen(text));
    if (!ret)
        printf("%zu issuer%s signed by %s into %s\n", n, n == 1 ? "" : "s", hcode_keypair_kid_hex(kp), out);
out:
    hcode_free(text);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
    free(entries);
    free(files);
    return ret;
}
