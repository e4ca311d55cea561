#ifndef HCODE_KEYLOAD_H
#define HCODE_KEYLOAD_H
#include <hcode.h>
/* Returns 0, or an exit status after printing why. */
int cli_load_key(const char *cmd, const char *path, hcode_keypair **kp);
#endif
