/* hcode purge */
#include "cli.h"
#include "commands.h"
#include "dbopen.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: hcode purge --db DB [--older-than D] --operator NAME --purpose TEXT [--at T]\n"
    "                   [--audit-key FILE] [--json]\n\n"
    "Deletes check-ins older than D (default 28d, the default retention) and the pseudonyms\n"
    "left without check-ins. Audited like a trace: it does not run when its audit entry\n"
    "cannot be written.\n\n"
    "  --db DB            SQLite database file or postgresql:// URI\n"
    "  --older-than D     retention: 90s, 15m, 2h, 28d or seconds (default 28d)\n"
    "  --operator NAME    who purges (required; audited)\n"
    "  --purpose TEXT     why (required; audited)\n"
    "  --at T             the current time (default now)\n"
    "  --audit-key FILE   as for hcode trace (default DB.audit.key)\n"
    "  --json             one JSON object: removed, before\n\n"
    "Exit status: 0 success, 2 usage error, 3 runtime error.\n";

int cmd_purge(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'},        {"older-than", required_argument, 0, 'o'},
        {"operator", required_argument, 0, 'O'},  {"purpose", required_argument, 0, 'p'},
        {"at", required_argument, 0, 'a'},        {"audit-key", required_argument, 0, 'A'},
        {"json", no_argument, 0, 'j'},            {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *db = NULL, *op = NULL, *purpose = NULL, *auditkey = NULL;
    int64_t older = HCODE_RETENTION_DEFAULT, at = HCODE_NOW;
    bool json = false;
    int c, ret = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'O': op = optarg; break;
        case 'p': purpose = optarg; break;
        case 'A': auditkey = optarg; break;
        case 'j': json = true; break;
        case 'o':
            if (!cli_parse_duration(optarg, &older))
                return cli_fail(EXIT_USAGE, "purge", "bad --older-than '%s'", optarg);
            break;
        case 'a':
            if (!cli_parse_time(optarg, &at))
                return cli_fail(EXIT_USAGE, "purge", "bad --at '%s'", optarg);
            break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc)
        return cli_fail(EXIT_USAGE, "purge", "unexpected argument '%s'", argv[optind]);
    if (!op || !*op || !purpose || !*purpose)
        return cli_fail(EXIT_USAGE, "purge", "--operator and --purpose are required: every purge is audited");
    if (!db)
        return cli_fail(EXIT_USAGE, "purge", "--db is required");
    hcode_ctx *ctx = NULL;
    int rc = hcode_ctx_new(&ctx);
    if (rc)
        return cli_fail(EXIT_RUNTIME, "purge", "%s", hcode_strerror(rc));
    if ((ret = cli_open_db(ctx, "purge", db)) != 0 || (ret = cli_setup_audit(ctx, "purge", db, auditkey)) != 0)
        goto out;
    int64_t now = at == HCODE_NOW ? hcode_time_now() : at;
    int64_t before = now - older;
    uint64_t removed = 0;
    if ((rc = hcode_purge(ctx, before, op, purpose, &removed)) != 0) {
        ret = cli_fail(EXIT_RUNTIME, "purge", "%s", hcode_errmsg(ctx)[0] ? hcode_errmsg(ctx) : hcode_strerror(rc));
        goto out;
    }
    char t[32];
    if (json)
        printf("{\"removed\":%llu,\"before\":%lld}\n", (unsigned long long)removed, (long long)before);
    else
        printf("purged %llu check-in%s before %s\n", (unsigned long long)removed, removed == 1 ? "" : "s",
               cli_format_time(before, t));
out:
    hcode_ctx_free(ctx);
    return ret;
}
