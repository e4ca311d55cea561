#ifndef HCODE_KEYLOAD_H
#define HCODE_KEYLOAD_H
#include <hcode.h>
/* Returns 0, or an exit status after printing why. */
int cli_load_key(const char *cmd, const char *path, hcode_keypair **kp);
#endif
#ifndef HCODE_TRUSTLOAD_DECL
#define HCODE_TRUSTLOAD_DECL
/* Adds every --trust file to ctx. Returns 0, or an exit status after printing why. */
int cli_add_trust(hcode_ctx *ctx, const char *cmd, char **files, int n);
#endif
