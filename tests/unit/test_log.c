/*
 * NAME
 *	test_log - log_quote keeps untrusted text from forging or hiding log lines
 */

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "tap.h"

int
main(void)
{
    char    buf[LOG_QUOTE_BUF];
    char    big[5000];
    enum log_level level;
    int     facility;

    is_str(log_quote(buf, sizeof(buf), "alice@home.example"), "alice@home.example", "plain");
    is_str(log_quote(buf, sizeof(buf), "a\r\nFAKE: rule x"), "a\\x0d\\x0aFAKE: rule x",
	   "CR LF cannot start a new log line");
    is_str(log_quote(buf, sizeof(buf), "a\\x0d"), "a\\\\x0d", "a backslash is escaped");
    is_str(log_quote(buf, sizeof(buf), "\xe5\xb1\xb1"), "\\xe5\\xb1\\xb1", "8-bit bytes");
    is_str(log_quote(buf, sizeof(buf), "\x1b[2J\x7f"), "\\x1b[2J\\x7f", "terminal escapes");
    is_str(log_quote(buf, sizeof(buf), NULL), "(none)", "NULL");
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    log_quote(buf, sizeof(buf), big);
    is_long((long) strlen(buf), LOG_QUOTE_MAX + 3, "long text cut");
    is_str(buf + LOG_QUOTE_MAX, "...", "... and marked");
    memset(big, '\n', sizeof(big) - 1);
    log_quote(buf, sizeof(buf), big);
    ok(strlen(buf) < LOG_QUOTE_BUF, "all-escapes text fits the buffer");
    ok(log_level_parse("warning", &level) == 0 && level == LOG_LVL_WARNING, "level names");
    ok(log_level_parse("loud", &level) < 0, "unknown level");
    ok(log_facility_parse("local7", &facility) == 0, "facility names");
    ok(log_facility_parse("kern", &facility) < 0, "kern is not allowed");
    return (tap_done());
}
