/* The trust options shared by verify, scan and checkin:
 *   --trust FILE...   issuer public keys (PREFIX.pub) or signed trust lists (HCTL)
 *   --root ROOT.pub   root key that trust lists must be signed by
 *   --revoked LIST    issuer-signed revocation list (repeatable)
 *   --freshness D     presentation window (default 60s)
 *   --require-presentation   holder-bound codes must be shown as presentations
 * Usage in a command:
 *   static const struct option opts[] = { CLI_TRUSTOPTS_LONG, {"at", ...}, ... };
 *   argv = cli_expand_trust(&argc, argv);   (as before)
 *   cli_trustopts t; cli_trustopts_init(&t, argc);
 *   in the getopt loop:  default: r = cli_trustopts_take(&t, "verify", c, optarg);
 *                        if (r < 0) unknown option; if (r > 0) return r (exit status);
 *   after creating ctx:  if ((ret = cli_trustopts_apply(&t, ctx, "verify", at))) goto out;
 *   cli_trustopts_free(&t); */
#ifndef HCODE_TRUSTOPTS_H
#define HCODE_TRUSTOPTS_H

#include <getopt.h>
#include <hcode.h>

enum {
    CLI_OPT_TRUST = 0x1001,
    CLI_OPT_ROOT,
    CLI_OPT_REVOKED,
    CLI_OPT_FRESHNESS,
    CLI_OPT_REQUIRE_PRESENTATION,
};

#define CLI_TRUSTOPTS_LONG                                                                      \
    {"trust", required_argument, 0, CLI_OPT_TRUST}, {"root", required_argument, 0, CLI_OPT_ROOT}, \
        {"revoked", required_argument, 0, CLI_OPT_REVOKED},                                     \
        {"freshness", required_argument, 0, CLI_OPT_FRESHNESS},                                 \
        {"require-presentation", no_argument, 0, CLI_OPT_REQUIRE_PRESENTATION}

/* Lines for a command's --help. */
#define CLI_TRUSTOPTS_HELP                                                                       \
    "  --trust FILE...   trusted issuers: public-key files (PREFIX.pub) and/or signed\n"         \
    "                    trust lists (from hcode trust sign; need --root); repeatable\n"         \
    "  --root FILE       root public key (PREFIX.pub) that trust lists must verify under;\n"     \
    "                    a list that fails, is expired or is dated after --at + skew is\n"      \
    "                    refused (exit 3)\n"                                                     \
    "  --revoked LIST    revocation list (from hcode revoke), signed by a trusted issuer;\n"     \
    "                    its codes are 'revoked'; repeatable\n"                                  \
    "  --freshness D     presentation window (default 60s): older or future-dated\n"            \
    "                    presentations are 'stale'\n"                                            \
    "  --require-presentation  holder-bound codes shown bare are 'holder_binding_required'\n"

typedef struct cli_trustopts {
    const char **trust;
    int ntrust;
    const char *root;
    const char **revoked;
    int nrevoked;
    int64_t freshness;          /* -1: default */
    int require_presentation;
} cli_trustopts;

/* argc bounds how many files can be given. Returns 0 or EXIT_RUNTIME. */
int cli_trustopts_init(cli_trustopts *t, int argc);
void cli_trustopts_free(cli_trustopts *t);
/* Takes option `opt` (getopt's return) with `arg`: returns 0 when taken,
 * -1 when it is not one of these options, or an exit status (> 0) after
 * printing a usage error. */
int cli_trustopts_take(cli_trustopts *t, const char *cmd, int opt, const char *arg);
/* Number of --trust files given. */
int cli_trustopts_count(const cli_trustopts *t);
/* Loads keys, trust lists (verified under --root at time `at`),
 * revocation lists and settings into ctx. Returns 0, or an exit status
 * (2 usage, 3 refused/unreadable) after printing why. */
int cli_trustopts_apply(const cli_trustopts *t, hcode_ctx *ctx, const char *cmd, int64_t at);

/* Writes a whole file via a temporary file and rename (never partial).
 * Returns 0 or an exit status after printing why. */
int cli_write_atomic(const char *cmd, const char *path, const char *data, size_t len);

#endif
