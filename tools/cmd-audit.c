/* hcode audit verify */
#include "cli.h"
#include "commands.h"
#include "dbopen.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
    "usage: hcode audit verify --db DB [--key AUDIT.pub] [--json]\n\n"
    "Checks the tamper-evident audit log of traces and purges: the hash chain (every entry\n"
    "carries the previous entry's hash), the sequence, every entry's signature by the audit\n"
    "key, and, for a SQLite DB, that the log still reaches the signed head kept in\n"
    "DB.audit-head (so removing the last entries is detected too).\n\n"
    "  --db DB         SQLite database file or postgresql:// URI\n"
    "  --key FILE      the audit public key (default for a SQLite DB: DB.audit.pub when present;\n"
    "                  without a key only the chain is checked)\n"
    "  --json          one JSON object: ok, entries, signed, bad_entry, problem\n\n"
    "Exit status: 0 intact, 1 edited, removed, inserted or reordered entries, 2 usage error,\n"
    "3 runtime error.\n";

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, 0, 'd'}, {"key", required_argument, 0, 'k'},
        {"json", no_argument, 0, 'j'},     {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(help, stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "verify") != 0) {
        fputs(help, stderr);
        return EXIT_USAGE;
    }
    argc--;
    argv++;
    const char *db = NULL, *key = NULL;
    bool json = false;
    int c, ret = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'k': key = optarg; break;
        case 'j': json = true; break;
        case 'h': fputs(help, stdout); return 0;
        default: fputs(help, stderr); return EXIT_USAGE;
        }
    }
    if (!db || optind != argc)
        return cli_fail(EXIT_USAGE, "audit", "verify needs --db DB (see --help)");
    hcode_ctx *ctx = NULL;
    hcode_audit_report *r = NULL;
    char *defkey = NULL, *head = NULL;
    int rc = hcode_ctx_new(&ctx);
    if (rc)
        return cli_fail(EXIT_RUNTIME, "audit", "%s", hcode_strerror(rc));
    if (cli_db_is_file(db) && access(db, F_OK) != 0) {
        ret = cli_fail(EXIT_RUNTIME, "audit", "--db %s: no such database", db);
        goto out;
    }
    if (!key && cli_db_is_file(db)) {
        defkey = cli_db_path(db, ".audit.pub");
        if (defkey && access(defkey, F_OK) == 0)
            key = defkey;
    }
    uint8_t pk[32];
    if (key && hcode_public_key_load(ctx, key, pk) != 0) {
        ret = cli_fail(EXIT_RUNTIME, "audit", "--key %s", hcode_errmsg(ctx));
        goto out;
    }
    if ((ret = cli_open_db(ctx, "audit", db)) != 0)
        goto out;
    if (cli_db_is_file(db)) {
        head = cli_db_path(db, ".audit-head");
        if (!head || hcode_ctx_set_audit_head_file(ctx, head) != HCODE_OK) {
            ret = cli_fail(EXIT_RUNTIME, "audit", "out of memory");
            goto out;
        }
    }
    if ((rc = hcode_audit_verify(ctx, key ? pk : NULL, &r)) != 0) {
        ret = cli_fail(EXIT_RUNTIME, "audit", "%s", hcode_errmsg(ctx)[0] ? hcode_errmsg(ctx) : hcode_strerror(rc));
        goto out;
    }
    bool ok = hcode_audit_report_ok(r);
    if (json) {
        printf("{\"ok\":%s,\"entries\":%llu,\"signed\":%s,\"bad_entry\":%llu,\"problem\":\"", ok ? "true" : "false",
               (unsigned long long)hcode_audit_report_entries(r), hcode_audit_report_signed(r) ? "true" : "false",
               (unsigned long long)hcode_audit_report_bad_entry(r));
        for (const char *p = hcode_audit_report_problem(r); *p; p++)
            if (*p == '"' || *p == '\\')
                printf("\\%c", *p);
            else
                putchar(*p);
        printf("\"}\n");
    } else if (ok) {
        printf("audit log intact: %llu entries, %s\n", (unsigned long long)hcode_audit_report_entries(r),
               hcode_audit_report_signed(r) ? "signatures verified" : "signatures not checked (no --key)");
    } else {
        printf("audit log broken: %s\n", hcode_audit_report_problem(r));
    }
    if (!ok) {
        fprintf(stderr, "hcode: audit: %s\n", hcode_audit_report_problem(r));
        ret = EXIT_NEGATIVE;
    }
out:
    hcode_audit_report_free(r);
    hcode_ctx_free(ctx);
    free(defkey);
    free(head);
    return ret;
}
