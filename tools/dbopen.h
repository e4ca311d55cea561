/* Opening the check-in database and the audit key for a command. */
#ifndef HCODE_DBOPEN_H
#define HCODE_DBOPEN_H
#include <hcode.h>
#include <stdbool.h>

/* True for a SQLite file path (not a URI such as postgresql:// or :memory:). */
bool cli_db_is_file(const char *db);
/* Opens DB into ctx. Returns 0, or an exit status after printing why. */
int cli_open_db(hcode_ctx *ctx, const char *cmd, const char *db);
/* Audit key: FILE when given; otherwise, for a SQLite file DB, DB.audit.key
 * (created with DB.audit.pub, mode 0600, on first use). Also sets the head
 * file DB.audit-head. Returns 0, or an exit status after printing why. */
int cli_setup_audit(hcode_ctx *ctx, const char *cmd, const char *db, const char *keyfile);
/* Heap string DB + suffix (NULL on OOM). */
char *cli_db_path(const char *db, const char *suffix);
#endif
