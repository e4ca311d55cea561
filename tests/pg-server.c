#include "pg-server.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Works inside and outside Check tests: a failure ends the process (a
 * forked Check test reports it as failed). */
#define need(cond, ...)                                 \
    do {                                                \
        if (!(cond)) {                                  \
            fprintf(stderr, "FAIL: " __VA_ARGS__);      \
            fputc('\n', stderr);                        \
            exit(1);                                    \
        }                                               \
    } while (0)

static char *server_uri;
static bool we_started;

char *pg_script(const char *args)
{
    const char *root = getenv("HCODE_SOURCE_ROOT");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sh '%s/scripts/pg-test-server.sh' %s", root ? root : ".", args);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char line[512] = "";
    char *got = fgets(line, sizeof line, p);
    char rest[512];
    while (fgets(rest, sizeof rest, p))
        ;
    int st = pclose(p);
    if (st != 0)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    return strdup(got ? line : "");
}

const char *pg_server_start(void)
{
    const char *env = getenv("HCODE_TEST_PG_URI");
    if (env && *env) {
        server_uri = strdup(env);
    } else {
        server_uri = pg_script("start");
        if (!server_uri || strncmp(server_uri, "postgresql://", 13) != 0) {
            fprintf(stderr, "FAIL: could not start a PostgreSQL test server "
                            "(scripts/pg-test-server.sh start)\n");
            exit(1);
        }
        we_started = true;
        setenv("HCODE_TEST_PG_URI", server_uri, 1);
    }
    PGconn *c = PQconnectdb(server_uri);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "FAIL: PostgreSQL server %s unreachable: %s", server_uri,
                PQerrorMessage(c));
        PQfinish(c);
        pg_server_stop();
        exit(1);
    }
    PQfinish(c);
    return server_uri;
}

void pg_server_stop(void)
{
    if (we_started && server_uri) {
        char args[600];
        snprintf(args, sizeof args, "stop '%s'", server_uri);
        free(pg_script(args));
        we_started = false;
    }
}

char *pg_fresh_db(void)
{
    static unsigned counter;
    const char *base = server_uri ? server_uri : getenv("HCODE_TEST_PG_URI");
    need(base != NULL, "no PostgreSQL server");
    PGconn *c = PQconnectdb(base);
    need(PQstatus(c) == CONNECTION_OK, "PostgreSQL unreachable: %s", PQerrorMessage(c));
    char name[64], sql[128];
    snprintf(name, sizeof name, "hcode_t_%d_%u_%ld", (int)getpid(), counter++, random() % 100000);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    PGresult *r = PQexec(c, sql);
    need(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    /* replace the database name (after the last '/') */
    const char *slash = strrchr(base, '/');
    size_t keep = (size_t)(slash - base) + 1;
    char *uri = malloc(keep + strlen(name) + 1);
    memcpy(uri, base, keep);
    strcpy(uri + keep, name);
    return uri;
}

long long pg_scalar(const char *uri, const char *sql)
{
    PGconn *c = PQconnectdb(uri);
    need(PQstatus(c) == CONNECTION_OK, "%s", PQerrorMessage(c));
    PGresult *r = PQexec(c, sql);
    need(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1, "%s: %s", sql,
                  PQresultErrorMessage(r));
    long long v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return v;
}

int pg_uri_port(const char *uri)
{
    const char *at = strrchr(uri, '@');
    const char *colon = strchr(at ? at : uri + 13, ':');
    return colon ? atoi(colon + 1) : 5432;
}

char *pg_uri_with_port(const char *uri, int port)
{
    const char *at = strrchr(uri, '@');
    const char *colon = strchr(at ? at : uri + 13, ':');
    const char *slash = strchr(colon, '/');
    char *out = malloc(strlen(uri) + 16);
    size_t k = (size_t)(colon - uri);
    memcpy(out, uri, k);
    sprintf(out + k, ":%d%s", port, slash ? slash : "");
    return out;
}
