/* hcode sync: deliver a gate outbox to the database. */
#include "cli.h"
#include "commands.h"

#include <getopt.h>
#include <string.h>

static const char sync_help[] =
    "usage: hcode sync --db URI --outbox PATH [--json]\n\n"
    "Delivers every check-in waiting in a gate outbox (written by checkin/checkout\n"
    "--outbox while the server could not be reached) to the database, in batches of\n"
    "one transaction each, with their original times. A batch leaves the outbox only\n"
    "after the server committed it; an interrupted sync is simply run again: every\n"
    "record is stored exactly once.\n\n"
    "  --db URI        postgresql:// URI (or any database hcode accepts)\n"
    "  --outbox PATH   the gate's outbox file\n"
    "  --json          one JSON object: delivered, pending\n\n"
    "Exit status: 0 all delivered, 3 the database cannot be reached or failed\n"
    "(what was delivered stays delivered; the rest stays queued).\n";

int cmd_sync(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"outbox", required_argument, 0, 'o'},
        {"json", no_argument, 0, 'j'},     {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *db = NULL, *path = NULL;
    bool json = false;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'o': path = optarg; break;
        case 'j': json = true; break;
        case 'h': fputs(sync_help, stdout); return 0;
        default: fputs(sync_help, stderr); return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_fail(EXIT_USAGE, "sync", "unexpected argument '%s'", argv[optind]);
    if (!db || !path)
        return cli_fail(EXIT_USAGE, "sync", "--db and --outbox are required (see --help)");
    hcode_outbox *ob = NULL;
    int rc = hcode_outbox_open(&ob, path);
    if (rc)
        return cli_fail(EXIT_RUNTIME, "sync", "cannot open outbox %s: %s", path, hcode_strerror(rc));
    hcode_ctx *ctx = NULL;
    rc = hcode_ctx_new(&ctx);
    if (rc == 0)
        rc = hcode_ctx_open_store(ctx, db);
    if (rc) {
        int ret = cli_fail(rc == HCODE_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, "sync", "--db %s: %s", db,
                           ctx ? hcode_errmsg(ctx) : hcode_strerror(rc));
        hcode_ctx_free(ctx);
        hcode_outbox_free(ob);
        return ret;
    }
    hcode_store *st = hcode_ctx_store(ctx);
    uint64_t delivered = 0, pending = 0;
    rc = hcode_outbox_flush(ob, st, &delivered);
    int ret = 0;
    if (rc)
        ret = cli_fail(EXIT_RUNTIME, "sync", "%s", hcode_outbox_errmsg(ob));
    if (hcode_outbox_pending(ob, &pending) != 0 && !ret)
        ret = cli_fail(EXIT_RUNTIME, "sync", "%s", hcode_outbox_errmsg(ob));
    if (json)
        printf("{\"delivered\":%llu,\"pending\":%llu}\n", (unsigned long long)delivered,
               (unsigned long long)pending);
    else if (!ret)
        printf("delivered %llu, %llu waiting\n", (unsigned long long)delivered,
               (unsigned long long)pending);
    hcode_ctx_free(ctx);
    hcode_outbox_free(ob);
    return ret;
}
