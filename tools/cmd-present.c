/* hcode present */
#include "cli.h"
#include "commands.h"
#include "keyload.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: hcode present --credential PERSON_PAYLOAD --holder-key HOLDER.key [--at T]\n\n"
    "Prints a dynamic presentation (HCD1:...): the person code, issued with\n"
    "--holder HOLDER.pub, plus the holder's fresh signature over it and the time.\n"
    "A phone regenerates it every few seconds; verifiers accept it within their\n"
    "freshness window (default 60s), so a screenshot stops working within a minute.\n\n"
    "  --credential P    the holder-bound person code (HCP1:...), or '-' to read it\n"
    "                    from standard input\n"
    "  --holder-key FILE the holder's secret key (from hcode keygen)\n"
    "  --at T            presentation time: ISO 8601 UTC or Unix seconds (default now)\n";

int cmd_present(int argc, char **argv)
{
    static const struct option opts[] = {
        {"credential", required_argument, 0, 'c'}, {"holder-key", required_argument, 0, 'k'},
        {"at", required_argument, 0, 'a'},         {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *cred = NULL, *key = NULL;
    int64_t at = HCODE_NOW;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'c': cred = optarg; break;
        case 'k': key = optarg; break;
        case 'a':
            if (!cli_parse_time(optarg, &at))
                return cli_fail(EXIT_USAGE, "present", "bad --at '%s' (ISO 8601 UTC or Unix seconds)", optarg);
            break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_fail(EXIT_USAGE, "present", "unexpected argument '%s'", argv[optind]);
    if (!cred || !key)
        return cli_fail(EXIT_USAGE, "present", "--credential and --holder-key are required (see --help)");
    static char line[HCODE_PAYLOAD_MAX + 2];
    if (!strcmp(cred, "-")) {
        bool too_long;
        if (!cli_read_line(stdin, line, sizeof line, &too_long) || too_long)
            return cli_fail(EXIT_USAGE, "present", "no credential on standard input");
        cred = line;
    }
    hcode_ctx *ctx = NULL;
    hcode_keypair *kp = NULL;
    char *out = NULL;
    int rc = hcode_ctx_new(&ctx), ret;
    if (rc)
        return cli_fail(EXIT_RUNTIME, "present", "%s", hcode_strerror(rc));
    if ((ret = cli_load_key("present", key, &kp)) != 0)
        goto done;
    rc = hcode_present(ctx, kp, cred, strlen(cred), at, &out);
    if (rc) {
        ret = cli_fail(rc == HCODE_EINVAL ? EXIT_NEGATIVE : EXIT_RUNTIME, "present", "%s",
                       hcode_errmsg(ctx)[0] ? hcode_errmsg(ctx) : hcode_strerror(rc));
        goto done;
    }
    printf("%s\n", out);
done:
    hcode_free(out);
    hcode_keypair_free(kp);
    hcode_ctx_free(ctx);
    return ret;
}
