/*
 * NAME
 *	fuzz_addr - libFuzzer target: envelope and header address parsing
 * SYNOPSIS
 *	build-fuzz/fuzz/fuzz_addr [libFuzzer options] [CORPUS...]
 * DESCRIPTION
 *	The input is split at the first NUL byte into A and B (B empty when
 *	there is none); milter strings end at NUL, so no field can hold one.
 *	For every input:
 *
 *	- addr_parse(A): ADDR_OK or ADDR_NULL give an internal form without
 *	  control bytes; ADDR_INVALID gives a reason.
 *	- When that internal form is usable as a sender (addr_check_rewrite),
 *	  its wire form addr_external() parses back to the same internal
 *	  form, bracketed or not: a rewritten sender cannot be read by the MTA
 *	  as another address.
 *	- addr_header_mailbox(A) as a From: value: the span lies inside A;
 *	  replacing the mailbox with B (when B is a usable sender) gives a
 *	  value whose mailbox is B, with the text around it unchanged.
 *	- log_quote(A): no control, 8-bit or unescaped bytes come out, and no
 *	  more than the buffer holds.
 *
 *	A failed property calls abort(), which libFuzzer reports as a crash.
 * DIAGNOSTICS
 *	See libFuzzer.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_addr: %s:%d: property failed: %s\n", \
		__FILE__, __LINE__, #cond); abort(); } } while (0)

/* no_ctrl - no control byte in s */

static int
no_ctrl(const char *s)
{
    for (; *s; s++)
	if ((unsigned char) *s < 0x20 || (unsigned char) *s == 0x7f)
	    return (0);
    return (1);
}

/* check_external - the wire form of a usable internal form reads back the same */

static void
check_external(const char *internal)
{
    const char *why;
    char   *ext;
    char   *back;
    int     brackets;

    for (brackets = 0; brackets < 2; brackets++) {
	CHECK((ext = addr_external(internal, brackets)) != NULL);
	CHECK(addr_parse(ext, &back, &why) == ADDR_OK);
	if (strcmp(back, internal) != 0) {
	    fprintf(stderr, "fuzz_addr: internal \"%s\" -> external \"%s\" -> \"%s\"\n",
		    internal, ext, back);
	    abort();
	}
	free(back);
	free(ext);
    }
}

/* check_parse - addr_parse() and the round trip */

static void
check_parse(const char *a)
{
    const char *why = NULL;
    char   *internal = NULL;
    enum addr_status st;

    st = addr_parse(a, &internal, &why);
    switch (st) {
    case ADDR_OK:
	CHECK(internal != NULL && *internal != 0 && no_ctrl(internal));
	CHECK(strlen(internal) <= ADDR_MAX_LEN + 2);
	if (addr_check_rewrite(internal) == NULL)
	    check_external(internal);
	break;
    case ADDR_NULL:
	CHECK(internal != NULL && *internal == 0);
	break;
    case ADDR_INVALID:
	CHECK(internal == NULL && why != NULL);
	break;
    default:
	abort();
    }
    free(internal);
}

/* check_header - mailbox location and replacement */

static void
check_header(const char *value, const char *b)
{
    struct addr_mailbox mb;
    struct addr_mailbox mb2;
    const char *why = NULL;
    char   *newi = NULL;
    char   *out;
    size_t  vlen = strlen(value);
    size_t  olen;
    size_t  tail;

    if (addr_header_mailbox(value, &mb, &why) != ADDR_OK) {
	CHECK(why != NULL);
	return;
    }
    CHECK(mb.start <= mb.end && mb.end <= vlen && mb.internal != NULL);
    CHECK(no_ctrl(mb.internal));
    if (addr_parse(b, &newi, &why) == ADDR_OK && addr_check_rewrite(newi) == NULL) {
	CHECK((out = addr_header_replace(value, &mb, newi)) != NULL);
	olen = strlen(out);
	tail = vlen - mb.end;
	/* The text before and after the address is kept byte for byte. */
	CHECK(olen >= mb.start + tail);
	CHECK(memcmp(out, value, mb.start) == 0);
	CHECK(memcmp(out + olen - tail, value + mb.end, tail) == 0);
	if (addr_header_mailbox(out, &mb2, &why) != ADDR_OK
	    || strcmp(mb2.internal, newi) != 0) {
	    fprintf(stderr, "fuzz_addr: header \"%s\" with \"%s\" -> \"%s\" -> %s\n",
		    value, newi, out, mb2.internal ? mb2.internal : why);
	    abort();
	}
	free(mb2.internal);
	free(out);
    }
    free(newi);
    free(mb.internal);
}

/* check_quote - log_quote() output is printable ASCII and bounded */

static void
check_quote(const char *a)
{
    char    buf[LOG_QUOTE_BUF];
    char    small[16];
    const char *cp;

    log_quote(buf, sizeof(buf), a);
    CHECK(strlen(buf) < sizeof(buf));
    for (cp = buf; *cp; cp++)
	CHECK((unsigned char) *cp >= 0x20 && (unsigned char) *cp < 0x7f);
    log_quote(small, sizeof(small), a);
    CHECK(strlen(small) < sizeof(small));
}

/* LLVMFuzzerTestOneInput - one input */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char   *a;
    const char *b;

    if ((a = malloc(size + 2)) == NULL)
	return (0);
    memcpy(a, data, size);
    a[size] = 0;
    a[size + 1] = 0;
    b = a + strlen(a) + (strlen(a) < size);	/* after the first NUL, if any */
    check_parse(a);
    check_parse(b);
    check_header(a, b);
    check_quote(a);
    free(a);
    return (0);
}
