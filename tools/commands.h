/* One entry point per subcommand: int cmd_<verb>(int argc, char **argv),
 * argv[0] being the subcommand's name. */
#ifndef HCODE_COMMANDS_H
#define HCODE_COMMANDS_H

int cmd_keygen(int argc, char **argv);
int cmd_issue(int argc, char **argv);
int cmd_venue(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_trust(int argc, char **argv);
int cmd_revoke(int argc, char **argv);
int cmd_present(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_sync(int argc, char **argv);
int cmd_checkin(int argc, char **argv);
int cmd_checkout(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_purge(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_scan(int argc, char **argv);

#endif
