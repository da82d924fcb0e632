#ifndef EFM_ADDR_H
#define EFM_ADDR_H

/*
 * addr.h - envelope and header address parsing, quoting and checking
 */

#include <stddef.h>

#define ADDR_MAX_LEN	1024	/* longest internal-form address we accept */
#define ADDR_PATH_MAX	254	/* longest address we will write (RFC 5321 4.5.3.1.3) */

enum addr_status {
    ADDR_OK = 0,		/* a non-null address */
    ADDR_NULL = 1,		/* the null sender <> */
    ADDR_INVALID = -1,		/* unparseable; why says why */
    ADDR_NOMEM = -2
};

enum addr_status addr_parse(const char *arg, char **internal, const char **why);
char   *addr_external(const char *internal, int brackets);
const char *addr_check_rewrite(const char *internal);

/* A single mailbox found in a header value such as From:. */
struct addr_mailbox {
    size_t  start;		/* addr-spec span inside the header value */
    size_t  end;
    char   *internal;		/* its internal form (malloc'd) */
};

enum addr_status addr_header_mailbox(const char *value, struct addr_mailbox *mb,
				             const char **why);
char   *addr_header_replace(const char *value, const struct addr_mailbox *mb,
			            const char *new_internal);

#endif
