/*
 * NAME
 *	test_reload - a failed parse never spoils the next load
 * DESCRIPTION
 *	libconfuse before 3.1 keeps its scanner's state from one parse to the
 *	next (3.1 made cfg_free() reset it): after a parse that fails inside
 *	a double-quoted string, the next parse of a correct file came back
 *	with no rules at all, and a reload then put "0 rules" in force.  Each
 *	load here is followed by a load of a good config in the same
 *	process, as SIGUSR1 reloads are, which must give its two rules: after
 *	two known bad files, then after 3,000 files made by damaging the good
 *	one at random (a fixed seed, so every run sees the same files).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tap.h"

static const char good[] =
    "log_level = 'info'\n"
    "rule \"ocn\" {\n"
    "    sender = '^(.+)@home\\.example$'\n"
    "    rewrite = 'zzzzz@isp.example'\n"
    "}\n"
    "rule \"other\" {\n"
    "    sender = '@lan\\.example$'\n"
    "    keep = true\n"
    "}\n";

/* good_loads - the good config loads, with its two rules in order */

static int
good_loads(void)
{
    struct config_msgs msgs;
    struct config *cf;
    int     ok;

    memset(&msgs, 0, sizeof(msgs));
    cf = config_load_text("good.conf", good, strlen(good), &msgs);
    ok = cf != NULL && cf->rules->nrules == 2
	&& strcmp(cf->rules->rules[0]->name, "ocn") == 0
	&& strcmp(cf->rules->rules[1]->name, "other") == 0;
    config_free(cf);
    config_msgs_free(&msgs);
    return (ok);
}

/* load_bad - load text, whatever comes of it; 1 if it loaded */

static int
load_bad(const char *text, size_t len)
{
    struct config_msgs msgs;
    struct config *cf;
    int     loaded;

    memset(&msgs, 0, sizeof(msgs));
    cf = config_load_text("bad.conf", text, len, &msgs);
    loaded = cf != NULL;
    config_free(cf);
    config_msgs_free(&msgs);
    return (loaded);
}

/* next - a small fixed-seed generator (the same files on every run) */

static unsigned
next(unsigned *s)
{
    *s = *s * 1103515245U + 12345U;
    return ((*s >> 16) & 0x7fff);
}

int
main(void)
{
    static const char *const bad[] = {
	/* A backslash and a digit in double quotes: an error inside the string. */
	"rule \"a\" {\n    sender = \"^(.+)@home\\8example$\"\n    rewrite = 'x@y.example'\n}\n",
	"rule \"a\" {\n    sender = \"\\777\"\n    rewrite = 'x@y.example'\n}\n",
    };
    /* What a mistyped config holds, escape errors in double quotes among it. */
    static const char *const pieces[] = {
	"\"", "'", "\\", "{", "}", "=", "#", "/*", "*/", "\n", " ", "x", "$",
	"\"\\8\"", "\"\\777\"", "\"a\\q", "= \"\\9", "${HOME}",
    };
    char    text[sizeof(good) + 64];
    unsigned seed = 20261202;
    unsigned spoiled = 0;
    unsigned loaded = 0;
    size_t  i;
    int     round;

    ok(good_loads(), "the good config loads with its two rules");
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
	ok(!load_bad(bad[i], strlen(bad[i])), "bad file %lu is refused", (unsigned long) i + 1);
	ok(good_loads(), "... and the good config loads after it, with its two rules");
	ok(good_loads(), "... and again");
    }

    for (round = 0; round < 3000; round++) {
	size_t  len = strlen(good);
	int     edits = 1 + (int) (next(&seed) % 3);

	memcpy(text, good, len + 1);
	while (edits-- > 0) {
	    size_t  at = next(&seed) % (len + 1);
	    const char *piece = pieces[next(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];
	    size_t  plen = strlen(piece);

	    switch (next(&seed) % 3) {
	    case 0:				/* insert */
		if (len + plen >= sizeof(text))
		    break;
		memmove(text + at + plen, text + at, len - at + 1);
		memcpy(text + at, piece, plen);
		len += plen;
		break;
	    case 1:				/* delete */
		if (at < len) {
		    memmove(text + at, text + at + 1, len - at);
		    len--;
		}
		break;
	    default:				/* replace one byte */
		if (at < len)
		    text[at] = piece[0];
		break;
	    }
	}
	loaded += load_bad(text, len);
	if (!good_loads())
	    spoiled++;
    }
    is_long(spoiled, 0, "3000 damaged files (%u of them still loadable): none spoils "
	    "the next load of the good config", loaded);
    return (tap_done());
}
