/*
 * NAME
 *	fuzz_config - libFuzzer target: loading a configuration from bytes
 * SYNOPSIS
 *	build-fuzz/fuzz/fuzz_config [libFuzzer options] [CORPUS...]
 * DESCRIPTION
 *	Feeds the input to config_load_text(), as a reload would feed a file
 *	someone is still editing.  A config either loads or not at all:
 *
 *	- NULL comes with at least one error, a config with none;
 *	- every message has the form "NAME:LINE: ..." or "NAME: ...", and
 *	  LINE lies within the input;
 *	- a loaded config has valid settings (limits >= 1, a socket spec
 *	  sockspec_parse() accepts, a mode <= 0777) and rules whose
 *	  names are unique;
 *	- loading the same bytes twice gives the same messages (no state
 *	  leaks from one load into the next, e.g. in libconfuse's lexer).
 *
 *	libconfuse is not instrumented; a crash or leak inside it is still
 *	reported by ASan/LSan, with its frames.
 * DIAGNOSTICS
 *	A failed property calls abort(), which libFuzzer reports.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_config: %s:%d: property failed: %s\n", \
		__FILE__, __LINE__, #cond); abort(); } } while (0)

#define NAME	"fuzz.conf"

/* check_msgs - message form and line numbers */

static void
check_msgs(const struct config_msgs *m, const uint8_t *data, size_t size)
{
    size_t  lines = 1;
    size_t  i;

    for (i = 0; i < size; i++)
	lines += data[i] == '\n';
    for (i = 0; i < m->n; i++) {
	const char *t = m->v[i].text;

	CHECK(strncmp(t, NAME ":", sizeof(NAME)) == 0);
	CHECK(m->v[i].line >= 0 && (size_t) m->v[i].line <= lines);
    }
}

/* check_config - what a loaded config promises */

static void
check_config(const struct config *cf)
{
    struct sockspec spec;
    char    err[256];
    size_t  i;
    size_t  j;

    CHECK(cf->rules->limits.match_limit >= 1 && cf->rules->limits.depth_limit >= 1);
    CHECK(cf->socket_mode <= 0777);
    CHECK(sockspec_parse(&spec, cf->socket.text, err, sizeof(err)) == 0);
    CHECK(spec.kind == cf->socket.kind && strcmp(spec.text, cf->socket.text) == 0);
    CHECK(*cf->user != 0);
    CHECK(cf->rules != NULL);
    for (i = 0; i < cf->rules->nrules; i++) {
	const struct rule *r = cf->rules->rules[i];

	CHECK(r->keep != (r->rewrite_src != NULL));
	for (j = i + 1; j < cf->rules->nrules; j++)
	    CHECK(strcmp(r->name, cf->rules->rules[j]->name) != 0);
    }
}

/* LLVMFuzzerTestOneInput - load the input twice */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_msgs m1;
    struct config_msgs m2;
    struct config *c1;
    struct config *c2;
    size_t  i;

    memset(&m1, 0, sizeof(m1));
    memset(&m2, 0, sizeof(m2));
    c1 = config_load_text(NAME, (const char *) data, size, &m1);
    CHECK((c1 == NULL) == (m1.errors > 0));
    check_msgs(&m1, data, size);
    if (c1 != NULL)
	check_config(c1);
    c2 = config_load_text(NAME, (const char *) data, size, &m2);
    CHECK((c1 == NULL) == (c2 == NULL));
    CHECK(m1.n == m2.n);
    for (i = 0; i < m1.n; i++)
	CHECK(strcmp(m1.v[i].text, m2.v[i].text) == 0);
    config_free(c1);
    config_free(c2);
    config_msgs_free(&m1);
    config_msgs_free(&m2);
    return (0);
}
