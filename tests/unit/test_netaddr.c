/*
 * NAME
 *	test_netaddr - CIDR parsing and matching, IPv4, IPv6 and IPv4-mapped
 */

#include <stdio.h>
#include <string.h>

#include "netaddr.h"
#include "tap.h"

static const struct {
    const char *block;
    const char *addr;
    int     in;
} match_cases[] = {
    {"192.168.0.0/16", "192.168.1.5", 1},
    {"192.168.0.0/16", "192.169.0.1", 0},
    {"192.168.0.0/16", "::ffff:192.168.1.5", 1},	/* dual-stack listener */
    {"127.0.0.1", "127.0.0.1", 1},
    {"127.0.0.1", "127.0.0.2", 0},
    {"10.0.0.0/8", "10.255.255.255", 1},
    {"10.0.0.0/8", "11.0.0.0", 0},
    {"172.16.0.0/12", "172.31.255.1", 1},		/* not a byte boundary */
    {"172.16.0.0/12", "172.32.0.1", 0},
    {"0.0.0.0/0", "203.0.113.9", 1},
    {"0.0.0.0/0", "2001:db8::1", 0},			/* IPv4 /0 is not IPv6 */
    {"::1", "::1", 1},
    {"::1", "::2", 0},
    {"2001:db8::/32", "2001:db8:1234::5", 1},
    {"2001:db8::/32", "2001:db9::5", 0},
    {"fe80::/10", "febf::1", 1},
    {"fe80::/10", "fec0::1", 0},
    {"::ffff:192.168.0.0/112", "192.168.3.4", 1},	/* written in mapped form */
    {"::/0", "192.0.2.1", 1},
};

static const struct {
    const char *block;
    const char *err;
} bad_cases[] = {
    {"192.168.1.1/16", "bad CIDR \"192.168.1.1/16\": address has bits set beyond the /16 prefix"},
    {"192.168.0.0/33", "bad CIDR \"192.168.0.0/33\": prefix length must be 0..32"},
    {"::1/129", "bad CIDR \"::1/129\": prefix length must be 0..128"},
    {"192.168.0.0/", "bad CIDR \"192.168.0.0/\": prefix length must be 0..32"},
    {"192.168.0.0/-1", "bad CIDR \"192.168.0.0/-1\": prefix length must be 0..32"},
    {"192.168.0.0/1x", "bad CIDR \"192.168.0.0/1x\": prefix length must be 0..32"},
    {"192.168.0/24", "bad CIDR \"192.168.0/24\": \"192.168.0\" is not an IPv4 or IPv6 address"},
    {"lan", "bad CIDR \"lan\": \"lan\" is not an IPv4 or IPv6 address"},
    {"", "bad CIDR \"\": expected ADDRESS or ADDRESS/PREFIX"},
};

int
main(void)
{
    struct cidr block;
    struct netaddr addr;
    char    err[256];
    char    text[64];
    size_t  i;

    for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
	ok(cidr_parse(match_cases[i].block, &block, err, sizeof(err)) == 0,
	   "parse %s", match_cases[i].block);
	ok(netaddr_parse(match_cases[i].addr, &addr) >= 0, "parse %s", match_cases[i].addr);
	is_long(cidr_contains(&block, &addr), match_cases[i].in, "%s in %s",
		match_cases[i].addr, match_cases[i].block);
    }
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
	err[0] = 0;
	is_long(cidr_parse(bad_cases[i].block, &block, err, sizeof(err)), -1,
		"refuse \"%s\"", bad_cases[i].block);
	is_str(err, bad_cases[i].err, "message for \"%s\"", bad_cases[i].block);
    }
    netaddr_parse("::ffff:10.1.2.3", &addr);
    netaddr_format(&addr, text, sizeof(text));
    is_str(text, "10.1.2.3", "mapped addresses print as IPv4");
    netaddr_parse("2001:db8::1", &addr);
    netaddr_format(&addr, text, sizeof(text));
    is_str(text, "2001:db8::1", "IPv6 prints as IPv6");
    is_long(netaddr_parse("1.2.3.4", &addr), 1, "netaddr_parse says IPv4");
    is_long(netaddr_parse("::1", &addr), 0, "netaddr_parse says IPv6");
    is_long(netaddr_parse("1.2.3", &addr), -1, "netaddr_parse refuses junk");
    {
	static const struct {
	    const char *addr;
	    int     v4, loopback;
	} kinds[] = {
	    {"127.0.0.1", 1, 1}, {"127.255.0.9", 1, 1}, {"::ffff:127.0.0.2", 1, 1},
	    {"128.0.0.1", 1, 0}, {"192.168.1.5", 1, 0}, {"::1", 0, 1},
	    {"::2", 0, 0}, {"2001:db8::1", 0, 0},
	};

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
	    if (netaddr_parse(kinds[i].addr, &addr) < 0) {
		ok(0, "parse %s", kinds[i].addr);
		continue;
	    }
	    is_long(netaddr_is_v4(&addr), kinds[i].v4, "%s is IPv4", kinds[i].addr);
	    is_long(netaddr_is_loopback(&addr), kinds[i].loopback, "%s is loopback",
		    kinds[i].addr);
	}
    }
    return (tap_done());
}
