/*
 * NAME
 *	fuzz_import - libFuzzer target: translating a Postfix regexp/pcre table
 * SYNOPSIS
 *	build-fuzz/fuzz/fuzz_import [libFuzzer options] [CORPUS...]
 * DESCRIPTION
 *	Feeds the input to import_text() as a sender_canonical_maps table
 *	and holds it to what envfrom-milter -I promises: the output is a
 *	config fragment that loads as it is.  So the output, whatever the
 *	table, must load with config_load_text() without a single error, and
 *	hold exactly as many rules as import_text() wrote "rule" sections.
 * DIAGNOSTICS
 *	A failed property calls abort(), which libFuzzer reports.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "import.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* count_rules - "rule \"" at the start of a line */

static size_t
count_rules(const char *text)
{
    const char *cp = text;
    size_t  n = 0;

    for (; cp != NULL && *cp; cp = strchr(cp, '\n'), cp = cp ? cp + 1 : NULL)
	n += strncmp(cp, "rule \"", 6) == 0;
    return (n);
}

/* LLVMFuzzerTestOneInput - translate, then load the translation */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_msgs msgs;
    struct config *cf;
    char   *out = NULL;
    size_t  outlen = 0;
    FILE   *fp;

    if ((fp = open_memstream(&out, &outlen)) == NULL)
	return (0);
    (void) import_text("table", (const char *) data, size, fp);
    fclose(fp);
    memset(&msgs, 0, sizeof(msgs));
    cf = config_load_text("imported.conf", out, outlen, &msgs);
    if (cf == NULL || cf->rules->nrules != count_rules(out)) {
	fprintf(stderr, "fuzz_import: the translation does not load as it is:\n"
		"----\n%s----\n", out);
	config_msgs_print(&msgs, stderr);
	abort();
    }
    config_free(cf);
    config_msgs_free(&msgs);
    free(out);
    return (0);
}
