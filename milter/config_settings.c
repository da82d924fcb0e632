/*
 * NAME
 *	config_settings - the global settings of the config file, checked
 * SYNOPSIS
 *	#include "confload.h"
 *
 *	config_read_settings(ld, cfg, cf);
 * DESCRIPTION
 *	Reads and checks socket, user, socket_group, socket_mode, the log
 *	settings, pid_file, the PCRE2 limits, pcre_jit, peer_users,
 *	peer_networks and timeout into struct config, each error and
 *	warning at the line of its key.  The socket is parsed once, by
 *	sockspec.c; a socket not on loopback gives a warning that says who
 *	may connect (peer_networks).
 * DIAGNOSTICS
 *	Through ERROR_AT and WARNING_AT (confload.h); a value libconfuse
 *	lost for want of memory sets ld->nomem.
 */

#include <stdlib.h>
#include <string.h>

#include "confload.h"
#include "sockspec.h"

/* read_peers - peer_users and peer_networks: who may connect (peer.c) */

static void
read_peers(struct load *ld, cfg_t *c, struct config *cf)
{
    char    err[256];
    unsigned i, n;
    const char *s;
    int     line;

    cf->peer_users_given = linemap_line(&ld->lm, NULL, "peer_users") > 0;
    n = cfg_size(c, "peer_users");
    if (n && (cf->peer_users = calloc(n, sizeof(*cf->peer_users))) == NULL) {
	ld->nomem = 1;
	return;
    }
    line = linemap_line(&ld->lm, NULL, "peer_users");
    for (i = 0; i < n; i++) {
	if ((s = cfg_getnstr(c, "peer_users", i)) == NULL) {
	    ld->nomem = 1;
	    return;
	}
	if (*s == 0 || strpbrk(s, " \t:/") != NULL)
	    ERROR_AT(ld, line, "peer_users: \"%s\" is not a user name", s);
	if ((cf->peer_users[cf->npeer_users++] = strdup(s)) == NULL) {
	    ld->nomem = 1;
	    return;
	}
    }
    n = cfg_size(c, "peer_networks");
    if (n && (cf->peer_networks = calloc(n, sizeof(*cf->peer_networks))) == NULL) {
	ld->nomem = 1;
	return;
    }
    line = linemap_line(&ld->lm, NULL, "peer_networks");
    for (i = 0; i < n; i++) {
	if ((s = cfg_getnstr(c, "peer_networks", i)) == NULL) {
	    ld->nomem = 1;
	    return;
	}
	if (cidr_parse(s, &cf->peer_networks[cf->npeer_networks], err, sizeof(err)) < 0)
	    ERROR_AT(ld, line, "peer_networks: %s", err);
	else
	    cf->npeer_networks++;
    }
}

/* config_read_settings - global settings into cf; errors recorded */

void
config_read_settings(struct load *ld, cfg_t *c, struct config *cf)
{
    char    err[256];
    const char *s;
    char   *end;
    unsigned long mode;
    long    lim;
    unsigned long match;
    int     remote = 0;

#define LINE(key)	linemap_line(&ld->lm, NULL, (key))

    s = load_str(ld, c, "socket");
    if (sockspec_parse(&cf->socket, s, err, sizeof(err)) < 0)
	ERROR_AT(ld, LINE("socket"), "%s", err);
    else if (!sockspec_is_loopback(&cf->socket))
	remote = 1;
    if (*load_str(ld, c, "user") == 0)
	ERROR_AT(ld, LINE("user"), "user: empty (the daemon must not serve mail as root)");
    s = load_str(ld, c, "socket_mode");
    mode = strtoul(s, &end, 8);
    if (*s == 0 || *end != 0 || mode > 0777)
	ERROR_AT(ld, LINE("socket_mode"), "socket_mode = \"%s\": expected an octal "
		 "mode such as \"0660\"", s);
    else if (mode & 0002)
	WARNING_AT(ld, LINE("socket_mode"), "socket_mode %s lets every local user "
		   "use the milter socket", s);
    cf->socket_mode = (mode_t) mode;
    s = load_str(ld, c, "log_level");
    if (log_level_parse(s, &cf->log_level) < 0)
	ERROR_AT(ld, LINE("log_level"), "log_level = \"%s\": expected error, warning, "
		 "info or debug", s);
    s = load_str(ld, c, "log_facility");
    if (log_facility_parse(s, &cf->log_facility) < 0)
	ERROR_AT(ld, LINE("log_facility"), "log_facility = \"%s\": expected mail, "
		 "daemon, user or local0..local7", s);
    s = load_str(ld, c, "pid_file");
    if (*s != 0 && *s != '/')
	ERROR_AT(ld, LINE("pid_file"), "pid_file \"%s\": the path must be absolute", s);
    if ((lim = cfg_getint(c, "match_limit")) < 1 || (unsigned long) lim > 0xffffffffUL)
	ERROR_AT(ld, LINE("match_limit"), "match_limit %ld: expected 1..4294967295", lim);
    match = (unsigned long) lim;
    if ((lim = cfg_getint(c, "depth_limit")) < 1 || (unsigned long) lim > 0xffffffffUL)
	ERROR_AT(ld, LINE("depth_limit"), "depth_limit %ld: expected 1..4294967295", lim);
    /* The PCRE2 settings live in the rule set only: its patterns use them. */
    if ((cf->rules = ruleset_create(match, (unsigned long) lim)) == NULL)
	ld->nomem = 1;
    else
	cf->rules->limits.no_jit = cfg_getbool(c, "pcre_jit") == cfg_false;
    read_peers(ld, c, cf);
    s = load_str(ld, c, "socket");
    if (remote && cf->npeer_networks == 0)
	WARNING_AT(ld, LINE("socket"), "socket \"%s\" is not on loopback, but only "
		   "this host may connect: list other hosts in peer_networks", s);
    else if (remote)
	WARNING_AT(ld, LINE("socket"), "socket \"%s\" is not on loopback: every user "
		   "of the hosts in peer_networks can query the milter", s);
    else if (cf->npeer_networks > 0)
	WARNING_AT(ld, LINE("peer_networks"), "peer_networks: the socket \"%s\" is "
		   "on loopback, other hosts cannot reach it", s);
    if ((lim = cfg_getint(c, "timeout")) < 1 || lim > 86400)
	ERROR_AT(ld, LINE("timeout"), "timeout %ld: expected 1..86400 seconds", lim);
    cf->timeout = (unsigned long) lim;
    if ((cf->user = strdup(load_str(ld, c, "user"))) == NULL
	|| (cf->socket_group = strdup(load_str(ld, c, "socket_group"))) == NULL
	|| (cf->pid_file = strdup(load_str(ld, c, "pid_file"))) == NULL)
	ld->nomem = 1;
#undef LINE
}
