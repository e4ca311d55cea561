/* A real PostgreSQL server for tests.
 *
 * HCODE_TEST_PG_URI set: that server is used, and a test that cannot reach
 * it fails. Unset: scripts/pg-test-server.sh starts a throwaway cluster for
 * this test program and stops it at exit. Never skips. */
#ifndef HCODE_TEST_PG_SERVER_H
#define HCODE_TEST_PG_SERVER_H

#include <stdbool.h>

/* Call once from main() before running tests; exits non-zero (with the
 * reason on stderr) if no server can be had. Returns the server URI. */
const char *pg_server_start(void);
/* Stops a server started by pg_server_start (no-op for HCODE_TEST_PG_URI). */
void pg_server_stop(void);
/* A new, empty database on the server; returns its URI (malloc'd). Ends the
 * process (failing the test) on failure. */
char *pg_fresh_db(void);
/* Runs one SQL statement returning a single integer, on uri. */
long long pg_scalar(const char *uri, const char *sql);
/* Runs scripts/pg-test-server.sh with the arguments; returns its stdout's
 * first line (malloc'd) or NULL on failure. */
char *pg_script(const char *args);
/* The uri with its port replaced. */
char *pg_uri_with_port(const char *uri, int port);
int pg_uri_port(const char *uri);

#endif
