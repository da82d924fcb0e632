/*
 * NAME
 *	test_rel_regress - regression tests for the bugs the fuzzers and
 *	fault tests found
 * SYNOPSIS
 *	build/tests/unit/test_rel_regress
 * DESCRIPTION
 *	One function per bug, named after it, each with the input that
 *	showed it (see docs/reliability.md for how each was found).  Prints
 *	TAP; tests/run.sh runs it with the unit tests.
 * DIAGNOSTICS
 *	Exit status 1 when a test failed.
 */

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "rtap.h"

/* quoted_empty_is_null - <""> is the null sender, not an empty "address" */

static void
quoted_empty_is_null(void)
{
    static const char *const args[] = {"<\"\">", "\"\"", "<@hop:\"\">"};
    const char *why = NULL;
    char   *internal = NULL;
    size_t  i;

    /* fuzz_addr: ADDR_OK with internal "" broke "ADDR_OK is a non-null address". */
    for (i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
	rt_is_long(addr_parse(args[i], &internal, &why), ADDR_NULL,
		   "addr_parse(%s) is the null sender", args[i]);
	free(internal);
    }
}

/* main - run every regression test */

int
main(void)
{
    quoted_empty_is_null();
    return (rt_done());
}
