/* Loading a secret key file for a command, with the CLI's error messages. */
#include "cli.h"
#include "keyload.h"

int cli_load_key(const char *cmd, const char *path, hcode_keypair **kp)
{
    int rc = hcode_keypair_load(kp, path);
    switch (rc) {
    case HCODE_OK: return 0;
    case HCODE_EPERM:
        return cli_fail(EXIT_RUNTIME, cmd, "%s: secret key is readable by group or others; run chmod 600 %s",
                        path, path);
    case HCODE_EFORMAT: return cli_fail(EXIT_RUNTIME, cmd, "%s: not an hcode secret key file", path);
    case HCODE_EIO: return cli_fail(EXIT_RUNTIME, cmd, "%s: cannot read", path);
    default: return cli_fail(EXIT_RUNTIME, cmd, "%s: %s", path, hcode_strerror(rc));
    }
}
