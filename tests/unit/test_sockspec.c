/*
 * NAME
 *	test_sockspec - the milter socket spec: syntax, parts, loopback, where to connect
 */

#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "sockspec.h"
#include "tap.h"

/* One row per spec; err is the whole message for a spec that is refused. */
static const struct {
    const char *text;
    const char *err;
    enum sockspec_kind kind;
    const char *path;
    const char *port;
    const char *host;
    const char *addr;
    int     loopback;
    const char *connect;
} t[] = {
    /* unix */
    {"unix:/run/envfrom-milter/sock", NULL, SOCKSPEC_UNIX, "/run/envfrom-milter/sock",
	"", "", "", 1},
    {"local:/run/x.sock", NULL, SOCKSPEC_UNIX, "/run/x.sock", "", "", "", 1},
    {"unix:/", NULL, SOCKSPEC_UNIX, "/", "", "", "", 1},
    {"unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	NULL, SOCKSPEC_UNIX,
	"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"", "", "", 1},
    {"unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	"socket \"unix:/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": "
	"path longer than 99 bytes"},
    {"unix:relative/sock", "socket \"unix:relative/sock\": the path must be absolute"},
    {"unix:", "socket \"unix:\": the path must be absolute"},
    {"local:x", "socket \"local:x\": the path must be absolute"},
    /* libmilter takes a bare path; the config never has. */
    {"/run/x.sock", "socket \"/run/x.sock\": expected unix:/PATH, inet:PORT@ADDRESS "
	"or inet6:PORT@ADDRESS"},
    /* inet */
    {"inet:8894@127.0.0.1", NULL, SOCKSPEC_INET, "", "8894", "127.0.0.1", "127.0.0.1", 1,
	"127.0.0.1"},
    {"inet:8894@localhost", NULL, SOCKSPEC_INET, "", "8894", "localhost", "localhost", 1,
	"localhost"},
    {"inet:8894", NULL, SOCKSPEC_INET, "", "8894", "", "", 0, "127.0.0.1"},
    {"inet:1@0.0.0.0", NULL, SOCKSPEC_INET, "", "1", "0.0.0.0", "0.0.0.0", 0, "127.0.0.1"},
    {"inet:65535@192.0.2.1", NULL, SOCKSPEC_INET, "", "65535", "192.0.2.1", "192.0.2.1", 0,
	"192.0.2.1"},
    {"inet:8894@mail.example", NULL, SOCKSPEC_INET, "", "8894", "mail.example", "mail.example",
	0, "mail.example"},
    {"inet:08894@127.0.0.1", NULL, SOCKSPEC_INET, "", "08894", "127.0.0.1", "127.0.0.1", 1,
	"127.0.0.1"},
    /* Written with brackets, 127.0.0.1 is not the name the loopback check knows. */
    {"inet:8894@[127.0.0.1]", NULL, SOCKSPEC_INET, "", "8894", "[127.0.0.1]", "127.0.0.1", 0,
	"127.0.0.1"},
    {"inet:0@127.0.0.1", "socket \"inet:0@127.0.0.1\": expected inet:PORT@ADDRESS with "
	"PORT 1..65535"},
    {"inet:65536@127.0.0.1", "socket \"inet:65536@127.0.0.1\": expected inet:PORT@ADDRESS "
	"with PORT 1..65535"},
    {"inet:port@127.0.0.1", "socket \"inet:port@127.0.0.1\": expected inet:PORT@ADDRESS "
	"with PORT 1..65535"},
    {"inet:@127.0.0.1", "socket \"inet:@127.0.0.1\": expected inet:PORT@ADDRESS with "
	"PORT 1..65535"},
    {"inet:", "socket \"inet:\": expected inet:PORT@ADDRESS with PORT 1..65535"},
    {"inet:8894x", "socket \"inet:8894x\": expected inet:PORT@ADDRESS with PORT 1..65535"},
    {"inet:8894:127.0.0.1", "socket \"inet:8894:127.0.0.1\": expected inet:PORT@ADDRESS "
	"with PORT 1..65535"},
    {"inet:8894@", "socket \"inet:8894@\": empty address after '@'"},
    /* inet6 */
    {"inet6:8894@[::1]", NULL, SOCKSPEC_INET6, "", "8894", "[::1]", "::1", 1, "::1"},
    {"inet6:8894@::1", NULL, SOCKSPEC_INET6, "", "8894", "::1", "::1", 1, "::1"},
    {"inet6:8894", NULL, SOCKSPEC_INET6, "", "8894", "", "", 0, "::1"},
    {"inet6:8894@::", NULL, SOCKSPEC_INET6, "", "8894", "::", "::", 0, "::1"},
    {"inet6:8894@[::]", NULL, SOCKSPEC_INET6, "", "8894", "[::]", "::", 0, "::1"},
    {"inet6:8894@[2001:db8::1]", NULL, SOCKSPEC_INET6, "", "8894", "[2001:db8::1]",
	"2001:db8::1", 0, "2001:db8::1"},
    {"inet6:0@[::1]", "socket \"inet6:0@[::1]\": expected inet6:PORT@ADDRESS with "
	"PORT 1..65535"},
    {"inet6:8894@", "socket \"inet6:8894@\": empty address after '@'"},
    /* neither */
    {"", "socket \"\": expected unix:/PATH, inet:PORT@ADDRESS or inet6:PORT@ADDRESS"},
    {"tcp:8894@127.0.0.1", "socket \"tcp:8894@127.0.0.1\": expected unix:/PATH, "
	"inet:PORT@ADDRESS or inet6:PORT@ADDRESS"},
    {"127.0.0.1:8894", "socket \"127.0.0.1:8894\": expected unix:/PATH, inet:PORT@ADDRESS "
	"or inet6:PORT@ADDRESS"},
    {"INET:8894@127.0.0.1", "socket \"INET:8894@127.0.0.1\": expected unix:/PATH, "
	"inet:PORT@ADDRESS or inet6:PORT@ADDRESS"},
};

/* test_table - every row: accepted with its parts, or refused with its message */

static void
test_table(void)
{
    struct sockspec s;
    char    err[512];
    size_t  i;
    int     rc;

    for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
	err[0] = 0;
	rc = sockspec_parse(&s, t[i].text, err, sizeof(err));
	if (t[i].err) {
	    is_long(rc, -1, "'%s' refused", t[i].text);
	    is_str(err, t[i].err, "'%s' message", t[i].text);
	    continue;
	}
	if (!is_long(rc, 0, "'%s' accepted", t[i].text)) {
	    printf("# err: %s\n", err);
	    continue;
	}
	is_str(s.text, t[i].text, "'%s' text", t[i].text);
	is_long(s.kind, t[i].kind, "'%s' kind", t[i].text);
	is_long(s.family, t[i].kind == SOCKSPEC_UNIX ? AF_UNIX : t[i].kind == SOCKSPEC_INET
		? AF_INET : AF_INET6, "'%s' family", t[i].text);
	is_long(sockspec_is_unix(&s), t[i].kind == SOCKSPEC_UNIX, "'%s' is_unix", t[i].text);
	is_str(s.path, t[i].path, "'%s' path", t[i].text);
	is_str(s.port, t[i].port, "'%s' port", t[i].text);
	is_str(s.host, t[i].host, "'%s' host", t[i].text);
	is_str(s.addr, t[i].addr, "'%s' addr", t[i].text);
	is_long(sockspec_is_loopback(&s), t[i].loopback, "'%s' loopback", t[i].text);
	if (t[i].kind != SOCKSPEC_UNIX)
	    is_str(sockspec_connect_host(&s), t[i].connect, "'%s' connect host", t[i].text);
    }
}

/* test_port_num - the port as a number */

static void
test_port_num(void)
{
    struct sockspec s;
    char    err[256];

    sockspec_parse(&s, "inet:08894@127.0.0.1", err, sizeof(err));
    is_long((long) s.port_num, 8894, "port number read in decimal");
    sockspec_parse(&s, "inet6:65535", err, sizeof(err));
    is_long((long) s.port_num, 65535, "highest port");
}

/* test_too_long - a spec longer than the struct keeps */

static void
test_too_long(void)
{
    struct sockspec s;
    char    spec[SOCKSPEC_MAX + 16];
    char    err[256];

    snprintf(spec, sizeof(spec), "inet:8894@");
    memset(spec + strlen(spec), 'a', SOCKSPEC_MAX);
    spec[SOCKSPEC_MAX] = 0;			/* exactly SOCKSPEC_MAX bytes */
    is_long(sockspec_parse(&s, spec, err, sizeof(err)), -1, "%d-byte spec refused",
	    SOCKSPEC_MAX);
    ok(strstr(err, "longer than 1023 bytes") != NULL, "message: %s", err);
    spec[SOCKSPEC_MAX - 1] = 0;
    is_long(sockspec_parse(&s, spec, err, sizeof(err)), 0, "%d-byte spec accepted",
	    SOCKSPEC_MAX - 1);
    is_long((long) strlen(s.host), SOCKSPEC_MAX - 1 - 10, "its host kept whole");
}

/* test_resolve - addresses to bind and to connect to, numeric only */

static void
test_resolve(void)
{
    struct sockspec s;
    struct addrinfo *res;
    char    err[256];

    sockspec_parse(&s, "inet:8894@127.0.0.1", err, sizeof(err));
    is_long(sockspec_resolve(&s, 0, &res), 0, "inet: bind address");
    if (res) {
	is_long(res->ai_family, AF_INET, "inet: AF_INET");
	freeaddrinfo(res);
    }
    sockspec_parse(&s, "inet6:8894@[::1]", err, sizeof(err));
    if (sockspec_resolve(&s, 1, &res) == 0) {
	is_long(res->ai_family, AF_INET6, "inet6 [::1]: AF_INET6, brackets dropped");
	freeaddrinfo(res);
    } else
	ok(1, "# SKIP no IPv6 resolver here");
    sockspec_parse(&s, "inet:8894", err, sizeof(err));
    is_long(sockspec_resolve(&s, 0, &res), 0, "inet without address: wildcard bind");
    if (res)
	freeaddrinfo(res);
    sockspec_parse(&s, "unix:/run/x.sock", err, sizeof(err));
    ok(sockspec_resolve(&s, 1, &res) != 0 && res == NULL, "unix: nothing to resolve");
}

int
main(void)
{
    test_table();
    test_port_num();
    test_too_long();
    test_resolve();
    return (tap_done());
}
