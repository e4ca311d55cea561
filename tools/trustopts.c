/* --trust / --root / --revoked / --freshness for verify, scan and checkin. */
#include "cli.h"
#include "trustopts.h"

#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_trustopts_init(cli_trustopts *t, int argc)
{
    memset(t, 0, sizeof *t);
    t->freshness = -1;
    t->trust = calloc((size_t)argc + 1, sizeof *t->trust);
    t->revoked = calloc((size_t)argc + 1, sizeof *t->revoked);
    if (!t->trust || !t->revoked) {
        cli_trustopts_free(t);
        return EXIT_RUNTIME;
    }
    return 0;
}

void cli_trustopts_free(cli_trustopts *t)
{
    free(t->trust);
    free(t->revoked);
    t->trust = t->revoked = NULL;
}

int cli_trustopts_count(const cli_trustopts *t) { return t->ntrust; }

int cli_trustopts_take(cli_trustopts *t, const char *cmd, int opt, const char *arg)
{
    switch (opt) {
    case CLI_OPT_TRUST: t->trust[t->ntrust++] = arg; return 0;
    case CLI_OPT_ROOT:
        if (t->root)
            return cli_fail(EXIT_USAGE, cmd, "--root given twice");
        t->root = arg;
        return 0;
    case CLI_OPT_REVOKED: t->revoked[t->nrevoked++] = arg; return 0;
    case CLI_OPT_FRESHNESS:
        if (!cli_parse_duration(arg, &t->freshness) || t->freshness < 1 || t->freshness > 86400)
            return cli_fail(EXIT_USAGE, cmd, "bad --freshness '%s' (1s..1d, e.g. 60s)", arg);
        return 0;
    case CLI_OPT_REQUIRE_PRESENTATION: t->require_presentation = 1; return 0;
    default: return -1;
    }
}

static bool is_trust_list(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char head[4] = {0};
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return n == 4 && memcmp(head, "HCTL", 4) == 0;
}

static int fail(hcode_ctx *ctx, int rc, const char *cmd, const char *opt)
{
    /* a refused list or an unreadable file is a runtime error (exit 3) */
    const char *d = hcode_errmsg(ctx);
    return cli_fail(rc == HCODE_EINVAL ? EXIT_USAGE : EXIT_RUNTIME, cmd, "%s: %s", opt,
                    d && *d ? d : hcode_strerror(rc));
}

int cli_trustopts_apply(const cli_trustopts *t, hcode_ctx *ctx, const char *cmd, int64_t at)
{
    uint8_t root[32];
    bool have_root = false;
    int rc;
    if (t->root) {
        if ((rc = hcode_public_key_load(ctx, t->root, root)) != HCODE_OK)
            return fail(ctx, rc == HCODE_EINVAL ? HCODE_EFORMAT : rc, cmd, "--root");
        have_root = true;
    }
    for (int i = 0; i < t->ntrust; i++) {
        if (is_trust_list(t->trust[i])) {
            if (!have_root)
                return cli_fail(EXIT_USAGE, cmd, "--trust %s is a trust list: give its --root ROOT.pub",
                                t->trust[i]);
            rc = hcode_trustlist_load_file(ctx, t->trust[i], root, at);
        } else {
            rc = hcode_trust_add_file(ctx, t->trust[i]);
        }
        if (rc)
            return fail(ctx, rc == HCODE_EINVAL ? HCODE_EFORMAT : rc, cmd, "--trust");
    }
    for (int i = 0; i < t->nrevoked; i++)
        if ((rc = hcode_revocation_load_file(ctx, t->revoked[i], at)) != HCODE_OK)
            return fail(ctx, rc == HCODE_EINVAL ? HCODE_EFORMAT : rc, cmd, "--revoked");
    if (t->freshness > 0 && (rc = hcode_ctx_set_freshness(ctx, t->freshness)) != HCODE_OK)
        return fail(ctx, rc, cmd, "--freshness");
    if (t->require_presentation && (rc = hcode_ctx_require_presentation(ctx, 1)) != HCODE_OK)
        return fail(ctx, rc, cmd, "--require-presentation");
    return 0;
}

int cli_write_atomic(const char *cmd, const char *path, const char *data, size_t len)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return cli_fail(EXIT_RUNTIME, cmd, "out of memory");
    snprintf(tmp, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        free(tmp);
        return cli_fail(EXIT_RUNTIME, cmd, "%s: cannot create", path);
    }
    FILE *f = fdopen(fd, "wb");
    bool ok = f && fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fd) == 0;
    if (f)
        ok &= fclose(f) == 0;
    else
        close(fd);
    if (ok && fchmodat(AT_FDCWD, tmp, 0644, 0) != 0)
        ok = false;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        free(tmp);
        return cli_fail(EXIT_RUNTIME, cmd, "%s: cannot write", path);
    }
    free(tmp);
    return 0;
}
