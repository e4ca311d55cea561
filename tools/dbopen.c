/* Opening the check-in database and the audit key for a command. */
#include "cli.h"
#include "dbopen.h"
#include "keyload.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cli_db_is_file(const char *db)
{
    return strcmp(db, ":memory:") && strcmp(db, "memory:") && !strstr(db, "://");
}

char *cli_db_path(const char *db, const char *suffix)
{
    size_t n = strlen(db) + strlen(suffix) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s", db, suffix);
    return p;
}

int cli_open_db(hcode_ctx *ctx, const char *cmd, const char *db)
{
    int rc = hcode_ctx_open_store(ctx, db);
    if (rc)
        return cli_fail(EXIT_RUNTIME, cmd, "--db %s: %s", db, hcode_errmsg(ctx));
    return 0;
}

int cli_setup_audit(hcode_ctx *ctx, const char *cmd, const char *db, const char *keyfile)
{
    hcode_keypair *kp = NULL;
    int ret = 0;
    char *prefix = NULL, *path = NULL, *head = NULL;
    if (keyfile) {
        if ((ret = cli_load_key(cmd, keyfile, &kp)) != 0)
            return ret;
    } else if (!cli_db_is_file(db)) {
        return cli_fail(EXIT_USAGE, cmd, "--audit-key FILE is required with --db %s", db);
    } else {
        prefix = cli_db_path(db, ".audit");
        path = cli_db_path(db, ".audit.key");
        if (!prefix || !path) {
            ret = cli_fail(EXIT_RUNTIME, cmd, "out of memory");
            goto out;
        }
        if (access(path, F_OK) == 0) {
            if ((ret = cli_load_key(cmd, path, &kp)) != 0)
                goto out;
        } else {
            int rc = hcode_keypair_generate(&kp, NULL);
            if (!rc)
                rc = hcode_keypair_save(kp, prefix);
            if (rc) {
                ret = cli_fail(EXIT_RUNTIME, cmd, "cannot create the audit key %s: %s", path, hcode_strerror(rc));
                goto out;
            }
        }
    }
    if (hcode_ctx_set_audit_key(ctx, kp) != HCODE_OK) {
        ret = cli_fail(EXIT_RUNTIME, cmd, "out of memory");
        goto out;
    }
    if (cli_db_is_file(db)) {
        head = cli_db_path(db, ".audit-head");
        if (!head || hcode_ctx_set_audit_head_file(ctx, head) != HCODE_OK)
            ret = cli_fail(EXIT_RUNTIME, cmd, "out of memory");
    }
out:
    hcode_keypair_free(kp);
    free(prefix);
    free(path);
    free(head);
    return ret;
}
