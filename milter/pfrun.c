/*
 * NAME
 *	pfrun - envfrom-milter -P: read the live Postfix settings, check them
 * SYNOPSIS
 *	#include "pfrun.h"
 *
 *	status = pfcheck_run("/etc/envfrom-milter.conf", NULL, NULL);
 * DESCRIPTION
 *	The part of the Postfix check that touches the system; the checks
 *	themselves start in pfcheck.c.  It finds postconf(1) on PATH or in the
 *	usual sbin directories, asks it for the configuration directory
 *	(unless postfix_dir names one), and runs, against that directory,
 *	postconf -x (every parameter, $names expanded: 2.10 has -x), postconf
 *	-n (what main.cf sets) and postconf -M (master.cf, 2.9 and later).
 *	It reads main.cf and master.cf for line numbers, loads envfrom-milter's
 *	config, and gives pfcheck.c the system calls it needs: postmap -q
 *	for table lookups (so every table type Postfix knows is read as
 *	Postfix reads it), stat(2), a connect(2) to the milter's socket and
 *	to a stunnel on loopback (nothing else is contacted), a look into
 *	Cyrus SASL's plug-in directories, and reading the stunnel config.
 *
 *	Everything goes to stdout, in order: what was checked, postconf's own
 *	warnings, the findings, a summary line.
 * DIAGNOSTICS
 *	Returns 0 when no error was found (warnings may have been), 1 when
 *	at least one was, 69 when postconf cannot be found or fails, 71 on a
 *	system error (out of memory, fork).
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <netdb.h>

#include "config.h"
#include "log.h"
#include "pfcheck.h"
#include "pfconf.h"
#include "pfrun.h"
#include "strbuf.h"

#define MAX_OUTPUT	(16 * 1024 * 1024)
#define CMD_TIMEOUT	30			/* seconds for one postconf/postmap */
#define CONNECT_TIMEOUT	2000			/* ms to wait for a listener */

struct run_ctx {
    char    postmap[PATH_MAX];
    const char *config_dir;
};

/* find_postconf - postconf on PATH, else in the usual sbin directories */

static int
find_postconf(char *buf, size_t len)
{
    static const char *dirs[] = {"/usr/sbin", "/usr/local/sbin", "/sbin"};
    const char *path = getenv("PATH");
    const char *p;
    size_t  n;
    size_t  i;

    for (p = path ? path : ""; *p; p += n + (p[n] == ':')) {
	n = strcspn(p, ":");
	if (n == 0)
	    continue;
	snprintf(buf, len, "%.*s/postconf", (int) n, p);
	if (access(buf, X_OK) == 0)
	    return (0);
    }
    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
	snprintf(buf, len, "%s/postconf", dirs[i]);
	if (access(buf, X_OK) == 0)
	    return (0);
    }
    return (-1);
}

/* run_cmd - run argv, collect stdout and stderr; the exit status, or -1 */

static int
run_cmd(char *const argv[], char **out, char **err)
{
    int     op[2];
    int     ep[2];
    pid_t   pid;
    struct pollfd pfd[2];
    char    chunk[8192];
    struct strbuf bufs[2] = {{NULL, 0, 0, MAX_OUTPUT - 1, 0}, {NULL, 0, 0, MAX_OUTPUT - 1, 0}};
    time_t  deadline = time(NULL) + CMD_TIMEOUT;
    int     open_fds = 2;
    int     status;
    int     i;
    ssize_t n;

    if (pipe(op) < 0)
	return (-1);
    if (pipe(ep) < 0) {
	close(op[0]);
	close(op[1]);
	return (-1);
    }
    if ((pid = fork()) < 0) {
	close(op[0]);
	close(op[1]);
	close(ep[0]);
	close(ep[1]);
	return (-1);
    }
    if (pid == 0) {
	(void) dup2(op[1], 1);
	(void) dup2(ep[1], 2);
	close(op[0]);
	close(op[1]);
	close(ep[0]);
	close(ep[1]);
	execv(argv[0], argv);
	fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
	_exit(127);
    }
    close(op[1]);
    close(ep[1]);
    pfd[0].fd = op[0];
    pfd[1].fd = ep[0];
    pfd[0].events = pfd[1].events = POLLIN;
    while (open_fds > 0 && time(NULL) < deadline) {
	if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
	    break;
	for (i = 0; i < 2; i++) {
	    if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
		continue;
	    if ((n = read(pfd[i].fd, chunk, sizeof(chunk))) > 0) {
		if (strbuf_add(&bufs[i], chunk, n) < 0)
		    n = 0;			/* too much: stop reading */
	    }
	    if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
		close(pfd[i].fd);
		pfd[i].fd = -1;
		open_fds--;
	    }
	}
    }
    for (i = 0; i < 2; i++)
	if (pfd[i].fd >= 0)
	    close(pfd[i].fd);
    if (open_fds > 0)
	(void) kill(pid, SIGKILL);		/* hung: give up on it */
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
	 /* void */ ;
    for (i = 0; i < 2; i++)
	if (bufs[i].s == NULL && (bufs[i].s = calloc(1, 1)) == NULL) {
	    free(bufs[0].s);
	    free(bufs[1].s);
	    return (-1);
	}
    *out = bufs[0].s;
    *err = bufs[1].s;
    if (open_fds > 0)
	return (-1);
    return (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

static int warnings_add(const char *);

/* postconf - run postconf with args; its output, NULL after a message */

static char *
postconf(const char *bin, const char *dir, const char *a1, const char *a2)
{
    char   *argv[6];
    char   *out = NULL;
    char   *err = NULL;
    int     n = 0;
    int     st;

    argv[n++] = (char *) bin;
    if (dir) {
	argv[n++] = (char *) "-c";
	argv[n++] = (char *) dir;
    }
    argv[n++] = (char *) a1;
    if (a2)
	argv[n++] = (char *) a2;
    argv[n] = NULL;
    st = run_cmd(argv, &out, &err);
    if (st != 0) {
	printf("%s%s%s %s%s%s: %s%s", bin, dir ? " -c " : "", dir ? dir : "", a1,
	       a2 ? " " : "", a2 ? a2 : "", st < 0 ? "could not be run\n" : "failed\n",
	       err ? err : "");
	free(out);
	free(err);
	return (NULL);
    }
    /* postconf's own warnings ("unused parameter", ...) are worth seeing. */
    if (err && *err && warnings_add(err) < 0) {
	free(out);
	out = NULL;
    }
    free(err);
    return (out);
}

static struct strbuf warnings = {NULL, 0, 0, MAX_OUTPUT - 1, 0};	/* postconf's, once each */

/* warnings_add - keep postconf's warning lines, without its path, once each */

static int
warnings_add(const char *err)
{
    const char *line;
    const char *end;
    const char *name;
    const char *colon;
    const char *p;
    char    buf[4096];
    size_t  n;

    for (line = err; *line; line = *end ? end + 1 : end) {
	end = line + strcspn(line, "\n");
	if (end == line)
	    continue;
	/* "/usr/sbin/postconf: warning: ..." -> "postconf: warning: ..." */
	name = line;
	if ((colon = memchr(line, ':', end - line)) != NULL)
	    for (p = line; p < colon; p++)
		if (*p == '/')
		    name = p + 1;
	n = snprintf(buf, sizeof(buf), "%.*s\n", (int) (end - name), name);
	if (n >= sizeof(buf))
	    n = sizeof(buf) - 1;
	if (warnings.s && strstr(warnings.s, buf))
	    continue;
	if (strbuf_add(&warnings, buf, n) < 0)
	    return (-1);
    }
    return (0);
}

/* read_text - the whole file, NUL-terminated; NULL if it cannot be read */

static char *
read_text(const char *path)
{
    struct strbuf b = {NULL, 0, 0, MAX_OUTPUT - 1, 0};

    if (strbuf_read_file(&b, path) < 0) {
	free(b.s);
	return (NULL);
    }
    return (b.s);
}

/* op_lookup - postmap -q KEY TABLE, as Postfix reads the table */

static int
op_lookup(void *ctx, const char *table, const char *key, char **value)
{
    struct run_ctx *rc = ctx;
    char   *argv[7];
    char   *out = NULL;
    char   *err = NULL;
    int     st;

    argv[0] = rc->postmap;
    argv[1] = (char *) "-c";
    argv[2] = (char *) rc->config_dir;
    argv[3] = (char *) "-q";
    argv[4] = (char *) key;
    argv[5] = (char *) table;
    argv[6] = NULL;
    st = run_cmd(argv, &out, &err);
    if (st == 0) {
	out[strcspn(out, "\n")] = 0;
	*value = out;
	free(err);
	return (1);
    }
    free(out);
    if (st == 1 && (err == NULL || *err == 0)) {
	free(err);
	return (0);
    }
    if (err && *err)
	err[strcspn(err, "\n")] = 0;
    *value = err;
    return (-1);
}

/* op_stat - stat(2) */

static int
op_stat(void *ctx, const char *path, struct stat *st)
{
    (void) ctx;
    return (stat(path, st));
}

/* connect_within - connect with a timeout; 1 connected, 0 refused */

static int
connect_within(int fd, const struct sockaddr *sa, socklen_t len)
{
    struct pollfd pfd;
    int     err = 0;
    socklen_t elen = sizeof(err);

    (void) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, sa, len) == 0)
	return (1);
    if (errno != EINPROGRESS)
	return (0);
    pfd.fd = fd;
    pfd.events = POLLOUT;
    if (poll(&pfd, 1, CONNECT_TIMEOUT) <= 0)
	return (0);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
	return (0);
    return (1);
}

/* op_listening - does something accept connections on the socket? */

static int
op_listening(void *ctx, const struct pf_sock *s)
{
    struct addrinfo hints;
    struct addrinfo *res;
    struct addrinfo *ai;
    struct sockaddr_un sun;
    int     fd;
    int     ok = 0;

    (void) ctx;
    if (s->kind == PF_SOCK_UNIX) {
	if (strlen(s->path) >= sizeof(sun.sun_path)
	    || (fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
	    return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, s->path);
	ok = connect_within(fd, (struct sockaddr *) &sun, sizeof(sun));
	close(fd);
	return (ok);
    }
    if (s->kind != PF_SOCK_INET && s->kind != PF_SOCK_INET6)
	return (-1);
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_family = s->kind == PF_SOCK_INET6 ? AF_INET6 : AF_UNSPEC;
    if (getaddrinfo(*s->host ? s->host : "127.0.0.1", s->port, &hints, &res) != 0)
	return (-1);
    for (ai = res; ai && !ok; ai = ai->ai_next) {
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0)
	    continue;
	ok = connect_within(fd, ai->ai_addr, ai->ai_addrlen);
	close(fd);
    }
    freeaddrinfo(res);
    return (ok);
}

/* op_dir_has - a file in dir whose name starts with prefix */

static int
op_dir_has(void *ctx, const char *dir, const char *prefix)
{
    DIR    *d;
    struct dirent *e;
    int     found = 0;

    (void) ctx;
    if ((d = opendir(dir)) == NULL)
	return (-1);
    while (!found && (e = readdir(d)) != NULL)
	found = strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return (found);
}

/* op_read_file - read a whole file */

static char *
op_read_file(void *ctx, const char *path)
{
    (void) ctx;
    return (read_text(path));
}

/* pfcheck_run - envfrom-milter -P */

int
pfcheck_run(const char *conf_path, const char *postfix_dir, const char *stunnel_conf)
{
    struct pf_params params;
    struct pf_params set;
    struct pf_master master;
    struct pfc_input in;
    struct pfc_report rep;
    struct config_msgs msgs;
    struct run_ctx rc;
    struct config *cf;
    char    bin[PATH_MAX];
    char    path[PATH_MAX];
    char   *dir_out = NULL;
    char   *x = NULL;
    char   *n = NULL;
    char   *m = NULL;
    char   *maincf = NULL;
    char   *mastercf = NULL;
    char   *conf_text = NULL;
    const char *dir = postfix_dir;
    const char *cmd_dir;
    int     status = EX_UNAVAILABLE;

    memset(&params, 0, sizeof(params));
    memset(&set, 0, sizeof(set));
    memset(&master, 0, sizeof(master));
    memset(&rep, 0, sizeof(rep));
    memset(&msgs, 0, sizeof(msgs));
    if (find_postconf(bin, sizeof(bin)) < 0) {
	printf("postconf not found on PATH or in /usr/sbin: is Postfix installed?\n");
	return (EX_UNAVAILABLE);
    }
    if (dir == NULL) {
	if ((dir_out = postconf(bin, NULL, "-h", "config_directory")) == NULL)
	    return (EX_UNAVAILABLE);
	dir_out[strcspn(dir_out, "\n")] = 0;
	dir = dir_out;
    }
    if ((x = postconf(bin, dir, "-x", NULL)) == NULL
	|| (n = postconf(bin, dir, "-n", NULL)) == NULL
	|| (m = postconf(bin, dir, "-M", NULL)) == NULL)
	goto out;
    status = EX_OSERR;
    if (pf_params_parse(&params, x) < 0 || pf_params_parse(&set, n) < 0
	|| pf_master_parse(&master, m) < 0)
	goto out;
    snprintf(path, sizeof(path), "%s/main.cf", dir);
    maincf = read_text(path);
    snprintf(path, sizeof(path), "%s/master.cf", dir);
    if ((mastercf = read_text(path)) != NULL)
	pf_master_lines(&master, mastercf);

    /* postmap from Postfix's command_directory, else next to postconf. */
    memset(&rc, 0, sizeof(rc));
    rc.config_dir = dir;
    cmd_dir = pf_param(&params, "command_directory");
    snprintf(rc.postmap, sizeof(rc.postmap), "%s/postmap", cmd_dir ? cmd_dir : "");
    if (cmd_dir == NULL || access(rc.postmap, X_OK) < 0)
	snprintf(rc.postmap, sizeof(rc.postmap), "%.*s/postmap",
		 (int) (strrchr(bin, '/') - bin), bin);

    printf("checking Postfix %s (%s) with %s\n",
	   pf_param(&params, "mail_version") ? pf_param(&params, "mail_version") : "?",
	   dir, conf_path);
    if (warnings.s)
	fputs(warnings.s, stdout);
    cf = config_load(conf_path, &msgs);
    if (cf == NULL)
	config_msgs_print(&msgs, stdout);
    /* Evaluating the rules logs only what deserves it (a pattern limit). */
    log_set_level(LOG_LVL_WARNING);
    conf_text = read_text(conf_path);

    memset(&in, 0, sizeof(in));
    in.config_dir = dir;
    in.params = &params;
    in.set = &set;
    in.maincf = maincf;
    in.master = &master;
    in.mastercf = mastercf;
    in.conf_path = conf_path;
    in.cf = cf;
    in.conf_text = conf_text;
    in.stunnel_conf = stunnel_conf;
    in.ops.ctx = &rc;
    in.ops.lookup = op_lookup;
    in.ops.stat = op_stat;
    in.ops.listening = op_listening;
    in.ops.dir_has = op_dir_has;
    in.ops.read_file = op_read_file;
    if (pfcheck(&in, &rep) < 0) {
	printf("out of memory\n");
	status = EX_OSERR;
    } else {
	pfc_report_print(&rep, stdout);
	status = rep.errors ? 1 : 0;
    }
    if (cf)
	config_free(cf);
out:
    config_msgs_free(&msgs);
    pfc_report_free(&rep);
    pf_params_free(&params);
    pf_params_free(&set);
    pf_master_free(&master);
    free(dir_out);
    free(x);
    free(n);
    free(m);
    free(maincf);
    free(mastercf);
    free(conf_text);
    free(warnings.s);
    warnings.s = NULL;
    warnings.len = warnings.alloc = 0;
    warnings.failed = 0;
    fflush(stdout);
    return (status);
}
