/*
 * test_spec.c: the transport-string grammar (transports/spec.h).
 *
 * Table driven: every row is one spec, the side it is parsed for, and either
 * the exact canonical form (and the side found) or the exact error.  Every
 * row also checks that no error and no canonical form holds a password.
 * Rules: doc/transports.md §2, §3 and doc/design.md "Choices where the
 * debugger docs are silent".
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "osdep/compat.h"
#include "osdep/net.h"
#include "transports/spec.h"

#define S	GW_SPEC_SERVER
#define C	GW_SPEC_CLIENT
#define E	GW_SPEC_EITHER

struct parse_case {
	const char		*text;
	enum gw_spec_side	 side;
	const char		*canonical;	/* NULL: an error is expected */
	enum gw_spec_side	 found;		/* the side of the result */
	const char		*error;
};

#define OK(t, sd, canon, fnd)	{ (t), (sd), (canon), (fnd), NULL }
#define ERR(t, sd, err)		{ (t), (sd), NULL, GW_SPEC_EITHER, (err) }

/* Pipe names of 96, 106 and 107 bytes (GW_SPEC_PIPE_MAX is 106). */
#define PIPE_10		"0123456789"
#define PIPE_96		PIPE_10 PIPE_10 PIPE_10 PIPE_10 PIPE_10 PIPE_10 \
			PIPE_10 PIPE_10 PIPE_10 "abcdef"
#define PIPE_106	PIPE_96 PIPE_10
#define PIPE_107	PIPE_106 "x"

#define KD_TRANS_ERR "kdsrv:server=@{tcp:server=h,port=1},trans=@{"

static const struct parse_case parse_cases[] = {
	/*
	 * ---- tcp, server side: tcp-listen, tcp-reverse (doc/transports.md
	 * §2.2)
	 */
	OK("tcp:port=5005", S, "tcp:port=5005", S),
	OK("tcp:port=51:60", S, "tcp:port=51:60", S),
	OK("tcp:port=5005:5005", S, "tcp:port=5005", S),
	OK("tcp:port=1", S, "tcp:port=1", S),
	OK("tcp:port=65535", S, "tcp:port=65535", S),
	OK("tcp:port=1:65535", S, "tcp:port=1:65535", S),
	OK("TCP:Port=5005,Hidden,Password=S3cr3tPw,IpVersion=6,IcfEnable", S,
	    "tcp:port=5005,hidden,password=*,ipversion=6,icfenable", S),
	OK("tcp:icfenable,ipversion=6,password=S3cr3tPw,hidden,port=1025", S,
	    "tcp:port=1025,hidden,password=*,ipversion=6,icfenable", S),
	OK("  tcp : port = 5005 ,\thidden  ", S, "tcp:port=5005,hidden", S),
	OK("tcp:port=1033,clicon=client7", S,
	    "tcp:port=1033,clicon=client7", S),
	OK("tcp:clicon=\\\\client7,password=S3cr3tPw,port=1033,ipversion=6", S,
	    "tcp:port=1033,clicon=client7,password=*,ipversion=6", S),
	OK("tcp:port=9000,clicon=[2001:db8::7]", S,
	    "tcp:port=9000,clicon=2001:db8::7", S),
	ERR("tcp:port=51:60,clicon=client7", S,
	    "tcp: 'port' must be a single port with 'clicon', got '51:60'"),
	ERR("tcp:port=1033,clicon=client7,hidden", S,
	    "tcp: 'hidden' cannot be used with 'clicon'"),
	ERR("tcp:port=1033,clicon=client7,IcfEnable", S,
	    "tcp: 'icfenable' cannot be used with 'clicon'"),
	ERR("tcp:server=lab7,port=5005", S,
	    "tcp: 'server' is a client-side key; a server-side spec listens "
	    "on 'port'"),
	ERR("tcp:port=70000", S, "tcp: 'port' must be 1-65535, got '70000'"),
	ERR("tcp:port=0", S, "tcp: 'port' must be 1-65535, got '0'"),
	ERR("tcp:port=abc", S, "tcp: 'port' must be 1-65535, got 'abc'"),
	ERR("tcp:port=-5", S, "tcp: 'port' must be 1-65535, got '-5'"),
	ERR("tcp:port=50 05", S, "tcp: 'port' must be 1-65535, got '50 05'"),
	ERR("tcp:port=51:", S, "tcp: 'port' must be 1-65535, got '51:'"),
	ERR("tcp:port=0:60", S, "tcp: 'port' must be 1-65535, got '0:60'"),
	ERR("tcp:port=51:70000", S,
	    "tcp: 'port' must be 1-65535, got '51:70000'"),
	ERR("tcp:port=60:51", S,
	    "tcp: 'port' range must be LOW:HIGH with LOW <= HIGH, got '60:51'"),
	ERR("tcp:hidden", S, "tcp: missing required key 'port'"),
	ERR("tcp:", S, "tcp: missing required key 'port'"),
	ERR("tcp:port=1025,PORT=1026", S, "tcp: duplicate key 'port'"),
	ERR("tcp:port=1,hidden,Hidden", S, "tcp: duplicate key 'hidden'"),
	ERR("tcp:prot=5005", S, "tcp: unknown key 'prot'; did you mean 'port'?"),
	ERR("tcp:port=5005,hiden", S,
	    "tcp: unknown key 'hiden'; did you mean 'hidden'?"),
	ERR("tcp:port=5005,passwrd=S3cr3tPw", S,
	    "tcp: unknown key 'passwrd'; did you mean 'password'?"),
	ERR("tcp:port=5005,flavour=mint", S, "tcp: unknown key 'flavour'"),
	ERR("tcp:port=5005,pipe=x", S, "tcp: key 'pipe' does not apply to tcp"),
	ERR("tcp:port=5005,proto=tls1", S,
	    "tcp: key 'proto' does not apply to tcp"),
	ERR("tcp:port=5005,certuser=x", S,
	    "tcp: key 'certuser' does not apply to tcp"),
	ERR("tcp:port=5005,baud=9600", S,
	    "tcp: key 'baud' does not apply to tcp"),
	ERR("tcp:port=5005,trans=@{com:}", S,
	    "tcp: key 'trans' does not apply to tcp"),
	ERR("tcp:port=5005,ipversion=4", S,
	    "tcp: 'ipversion' must be 6, got '4'"),
	ERR("tcp:port=5005,ipversion", S, "tcp: 'ipversion' needs a value"),
	ERR("tcp:port=5005,hidden=yes", S,
	    "tcp: 'hidden' is a flag and takes no value"),
	ERR("tcp:port=5005,icfenable=", S,
	    "tcp: 'icfenable' is a flag and takes no value"),
	ERR("tcp:port", S, "tcp: 'port' needs a value"),
	ERR("tcp:port=", S, "tcp: 'port' needs a value"),
	ERR("tcp:port=  ", S, "tcp: 'port' needs a value"),
	ERR("tcp:port=5005,", S, "tcp: empty parameter (stray ',')"),
	ERR("tcp:port=5005,,hidden", S, "tcp: empty parameter (stray ',')"),
	ERR("tcp:,port=5005", S, "tcp: empty parameter (stray ',')"),
	ERR("tcp:=5005", S, "tcp: a parameter has no key before '='"),
	ERR("tcp:port=5005,password=ABCDEFGHIJKLM", S,
	    "tcp: 'password' must be 1-12 letters or digits"),
	ERR("tcp:port=5005,password=S3cr3t!Pw", S,
	    "tcp: 'password' must be 1-12 letters or digits"),
	ERR("tcp:port=5005,password=My Secret", S,
	    "tcp: 'password' must be 1-12 letters or digits"),
	ERR("tcp:port=5005,password=", S, "tcp: 'password' needs a value"),
	OK("tcp:port=5005,password=Abcdef123456", S,
	    "tcp:port=5005,password=*", S),
	OK("tcp:port=5005,password=x", S, "tcp:port=5005,password=*", S),
	/* a password error comes before nothing else reveals it */
	ERR("tcp:port=70000,password=Zq9Secret", S,
	    "tcp: 'port' must be 1-65535, got '70000'"),
	ERR("tcp:server=h,port=5005,password=Zq9Secret", S,
	    "tcp: 'server' is a client-side key; a server-side spec listens "
	    "on 'port'"),

	/*
	 * ---- tcp, client side: tcp-connect, tcp-accept (doc/transports.md
	 * §2.3)
	 */
	OK("tcp:server=lab7,port=5005", C, "tcp:server=lab7,port=5005", C),
	OK("tcp:Port=5005,Server=\\\\Lab7", C, "tcp:server=Lab7,port=5005", C),
	OK("tcp:port=5005,server=lab7,password=S3cr3tPw", C,
	    "tcp:server=lab7,port=5005,password=*", C),
	OK("tcp:server=[fe80::1%eth0],port=5005", C,
	    "tcp:server=fe80::1%eth0,port=5005", C),
	OK("tcp:ipversion=6,server=::1,port=5005", C,
	    "tcp:server=::1,port=5005,ipversion=6", C),
	OK("tcp:server=\\\\[::1],port=5005", C, "tcp:server=::1,port=5005", C),
	OK("tcp:server=10.0.0.7,port=5005", C,
	    "tcp:server=10.0.0.7,port=5005", C),
	OK("tcp:clicon=srv9,port=51:60", C, "tcp:clicon=srv9,port=51:60", C),
	OK("tcp:port=1033,clicon=srv9,ipversion=6", C,
	    "tcp:clicon=srv9,port=1033,ipversion=6", C),
	OK("tcp:server=lab7,port=5005:5005", C,
	    "tcp:server=lab7,port=5005", C),
	ERR("tcp:server=lab7,port=51:60", C,
	    "tcp: 'port' must be a single port with 'server', got '51:60'"),
	ERR("tcp:server=a,clicon=b,port=5005", C,
	    "tcp: 'server' and 'clicon' cannot be used together"),
	ERR("tcp:port=5005", C, "tcp: missing required key 'server' (or "
	    "'clicon')"),
	ERR("tcp:server=lab7", C, "tcp: missing required key 'port'"),
	ERR("tcp:server=lab7,port=5005,hidden", C,
	    "tcp: 'hidden' is a server-side key; a client-side spec cannot "
	    "use it"),
	ERR("tcp:server=lab7,port=5005,IcfEnable", C,
	    "tcp: 'icfenable' is a server-side key; a client-side spec cannot "
	    "use it"),
	ERR("tcp:server=my host,port=5005", C,
	    "tcp: 'server' must be a host name or address, got 'my host'"),
	ERR("tcp:server=[::1,port=5005", C,
	    "tcp: 'server' must be a host name or address, got '[::1'"),
	ERR("tcp:server=[],port=5005", C,
	    "tcp: 'server' must be a host name or address, got '[]'"),
	ERR("tcp:server=\\\\,port=5005", C,
	    "tcp: 'server' must be a host name or address, got '\\\\'"),
	ERR("tcp:server=\\lab7,port=5005", C,
	    "tcp: 'server' must be a host name or address, got '\\lab7'"),
	ERR("tcp:clicon=a/b,port=5005", C,
	    "tcp: 'clicon' must be a host name or address, got 'a/b'"),
	/*
	 * hosts: names, IPv4, IPv6 bare or bracketed; nothing else
	 * (doc/transports.md §2.4)
	 */
	OK("tcp:server=lab_7.example-1.net,port=5005", C,
	    "tcp:server=lab_7.example-1.net,port=5005", C),
	OK("tcp:server=2001:db8::7,port=5005", C,
	    "tcp:server=2001:db8::7,port=5005", C),
	OK("tcp:server=[::ffff:10.0.0.7],port=5005", C,
	    "tcp:server=::ffff:10.0.0.7,port=5005", C),
	OK("tcp:port=1033,clicon=fe80::1%eth0", S,
	    "tcp:port=1033,clicon=fe80::1%eth0", S),
	ERR("tcp:clicon=pa:password=s,port=5005", C,
	    "tcp: 'clicon' must be a host name or address, got "
	    "'pa:password=*'"),
	ERR("tcp:port=1033,clicon=pa:password=s", S,
	    "tcp: 'clicon' must be a host name or address, got "
	    "'pa:password=*'"),
	ERR("tcp:server=lab7:Password=Zq9Secret,port=5005", C,
	    "tcp: 'server' must be a host name or address, got "
	    "'lab7:Password=*'"),
	ERR("tcp:server=lab7=x,port=5005", C,
	    "tcp: 'server' must be a host name or address, got 'lab7=x'"),
	ERR("tcp:server=lab7:5005,port=5005", C,
	    "tcp: 'server' must be a host name or address, got 'lab7:5005'"),
	ERR("tcp:server=[lab7],port=5005", C,
	    "tcp: 'server' must be a host name or address, got '[lab7]'"),
	ERR("tcp:server=::1::2,port=5005", C,
	    "tcp: 'server' must be a host name or address, got '::1::2'"),
	ERR("tcp:server=fe80::1%eth0:1,port=5005", C,
	    "tcp: 'server' must be a host name or address, got "
	    "'fe80::1%eth0:1'"),
	ERR("tcp:server=lab$7,port=5005", C,
	    "tcp: 'server' must be a host name or address, got 'lab$7'"),
	/* One host-name rule with bind= and metrics= (transports/text.h). */
	ERR("tcp:server=a..b,port=5005", C,
	    "tcp: 'server' must be a host name or address, got 'a..b'"),
	ERR("tcp:server=-lab7,port=5005", C,
	    "tcp: 'server' must be a host name or address, got '-lab7'"),
	ERR("tcp:server=10.0.0.999,port=5005", C,
	    "tcp: 'server' must be a host name or address, got '10.0.0.999'"),
	ERR("ssl:proto=tls1,machuser=M,clicon=a=b,port=51:60", C,
	    "ssl: 'clicon' must be a host name or address, got 'a=b'"),
	ERR("npipe:server=box:1,pipe=p", C,
	    "npipe: 'server' must be a host name or address, got 'box:1'"),
	ERR("kdsrv:server=@{tcp:server=h=1,port=1},trans=@{com:}", C,
	    "kdsrv: in 'server': tcp: 'server' must be a host name or "
	    "address, got 'h=1'"),
	ERR("tcp:srever=lab7,port=5005", C,
	    "tcp: unknown key 'srever'; did you mean 'server'?"),

	/*
	 * ---- npipe (doc/transports.md §2.2 npipe-listen, §2.3
	 * npipe-connect)
	 */
	OK("npipe:pipe=MainPipe", S, "npipe:pipe=MainPipe", S),
	OK("NPIPE:Pipe=Dbg%d_%x,IcfEnable,hidden,password=S3cr3tPw", S,
	    "npipe:pipe=Dbg%d_%x,hidden,password=*,icfenable", S),
	OK("npipe:pipe={6f1c-99}", S, "npipe:pipe={6f1c-99}", S),
	OK("npipe:pipe=fdsa,server=localhost", C,
	    "npipe:server=localhost,pipe=fdsa", C),
	OK("npipe:server=\\\\Box,pipe=P,password=S3cr3tPw", C,
	    "npipe:server=Box,pipe=P,password=*", C),
	ERR("npipe:pipe=a b", S,
	    "npipe: 'pipe' may not contain spaces or quotes, got 'a b'"),
	ERR("npipe:pipe=a\"b", S,
	    "npipe: 'pipe' may not contain spaces or quotes, got 'a\"b'"),
	/* One rule for pipe names, the daemon's too (gw_spec_pipe_check). */
	ERR("npipe:pipe=../../tmp/x", S, "npipe: 'pipe' may not contain '/' "
	    "(it names one socket in pipe_dir), got '../../tmp/x'"),
	ERR("npipe:server=.,pipe=../x", C, "npipe: 'pipe' may not contain '/' "
	    "(it names one socket in pipe_dir), got '../x'"),
	ERR("npipe:pipe=..", S, "npipe: 'pipe' may not be '.' or '..'"),
	ERR("spipe:proto=tls1,certuser=c,pipe=.", S,
	    "spipe: 'pipe' may not be '.' or '..'"),
	ERR("npipe:server=.,pipe=..", C, "npipe: 'pipe' may not be '.' or '..'"),
	ERR("npipe:pipe=x%s", S, "npipe: 'pipe': a '%' must start %d, %x or "
	    "%% (a literal '%'), got 'x%s'"),
	ERR("npipe:pipe=%", S, "npipe: 'pipe': a '%' must start %d, %x or "
	    "%% (a literal '%'), got '%'"),
	ERR("npipe:pipe=a%d%x%d", S,
	    "npipe: 'pipe' may hold at most two %d / %x codes, got 'a%d%x%d'"),
	OK("npipe:pipe=a%%b%x", S, "npipe:pipe=a%%b%x", S),
	/* A client names the pipe the server ended up with: '%' is a byte. */
	OK("npipe:server=.,pipe=x%s", C, "npipe:server=.,pipe=x%s", C),
	ERR("npipe:pipe=" PIPE_107, S,
	    "npipe: 'pipe' is 107 bytes; at most 106 fit in a socket path"),
	ERR("npipe:server=.,pipe=" PIPE_107, C,
	    "npipe: 'pipe' is 107 bytes; at most 106 fit in a socket path"),
	OK("npipe:pipe=" PIPE_106, S, "npipe:pipe=" PIPE_106, S),
	ERR("npipe:pipe=" PIPE_96 "x%d", S, "npipe: 'pipe' is 107 bytes with "
	    "its %d / %x codes at their widest; at most 106 fit in a socket "
	    "path"),
	OK("npipe:pipe=" PIPE_96 "%x", S, "npipe:pipe=" PIPE_96 "%x", S),
	ERR("npipe:server=x,pipe=p", S,
	    "npipe: 'server' is a client-side key; a server-side spec listens "
	    "on 'pipe'"),
	ERR("npipe:pipe=p", C, "npipe: missing required key 'server'"),
	ERR("npipe:server=x", C, "npipe: missing required key 'pipe'"),
	ERR("npipe:hidden", S, "npipe: missing required key 'pipe'"),
	ERR("npipe:pipe=p,hidden,server=x", C,
	    "npipe: 'hidden' is a server-side key; a client-side spec cannot "
	    "use it"),
	ERR("npipe:pipe=p,port=5005", S,
	    "npipe: key 'port' does not apply to npipe"),
	ERR("npipe:pipe=p,clicon=x", S,
	    "npipe: key 'clicon' does not apply to npipe"),
	ERR("npipe:pipe=p,ipversion=6", S,
	    "npipe: key 'ipversion' does not apply to npipe"),
	ERR("npipe:pipe=p,Pipe=q", S, "npipe: duplicate key 'pipe'"),
	ERR("npipe:piep=p", S,
	    "npipe: unknown key 'piep'; did you mean 'pipe'?"),

	/* ---- ssl (doc/transports.md §2.2 ssl-listen / ssl-reverse, §2.3
	 * ssl-connect /
	 * ssl-accept) */
	OK("ssl:proto=tls1,certuser=MyCert,port=6000", S,
	    "ssl:proto=tls1,certuser=MyCert,port=6000", S),
	OK("SSL:port=51:60,hidden,MachUser=Lab Cert,Proto=TLS1.3,"
	    "password=S3cr3tPw", S,
	    "ssl:proto=tls1.3,machuser=Lab Cert,port=51:60,hidden,password=*",
	    S),
	OK("ssl:proto=tls1.2,machuser=ab 38 f7 0c 11 9e,port=1234", S,
	    "ssl:proto=tls1.2,machuser=ab 38 f7 0c 11 9e,port=1234", S),
	OK("ssl:proto=tls1,certuser= ab 38 f7 ,port=1234", S,
	    "ssl:proto=tls1,certuser=ab 38 f7,port=1234", S),
	OK("ssl:proto=tls1,certuser=CN=Lab,port=6000", S,
	    "ssl:proto=tls1,certuser=CN=Lab,port=6000", S),
	OK("ssl:clicon=client7,port=6000,certuser=C,proto=tls1", S,
	    "ssl:proto=tls1,certuser=C,port=6000,clicon=client7", S),
	OK("ssl:server=h,port=6000,certuser=C,proto=tls1", C,
	    "ssl:proto=tls1,certuser=C,server=h,port=6000", C),
	OK("ssl:proto=tls1,machuser=M,clicon=srv,port=51:60,password=S3cr3tPw",
	    C, "ssl:proto=tls1,machuser=M,clicon=srv,port=51:60,password=*", C),
	ERR("ssl:proto=ssl3,certuser=C,port=6000", S,
	    "ssl: proto=ssl3 is insecure and refused; use proto=tls1 "
	    "(TLS 1.2 or newer)"),
	ERR("ssl:proto=SSL2,certuser=C,port=6000", S,
	    "ssl: proto=ssl2 is insecure and refused; use proto=tls1 "
	    "(TLS 1.2 or newer)"),
	ERR("ssl:proto=pct1,certuser=C,port=6000", S,
	    "ssl: proto=pct1 is insecure and refused; use proto=tls1 "
	    "(TLS 1.2 or newer)"),
	ERR("ssl:proto=tls1.0,certuser=C,server=h,port=6000", C,
	    "ssl: proto=tls1.0 is insecure and refused; use proto=tls1 "
	    "(TLS 1.2 or newer)"),
	ERR("ssl:proto=TLS1.1,certuser=C,port=6000", S,
	    "ssl: proto=tls1.1 is insecure and refused; use proto=tls1 "
	    "(TLS 1.2 or newer)"),
	ERR("ssl:proto=tls2,certuser=C,port=6000", S,
	    "ssl: 'proto' must be tls1, tls1.2 or tls1.3, got 'tls2'"),
	ERR("ssl:certuser=C,port=6000", S, "ssl: missing required key 'proto'"),
	ERR("ssl:proto=tls1,port=6000", S,
	    "ssl: needs exactly one of 'certuser' or 'machuser'"),
	ERR("ssl:proto=tls1,certuser=A,machuser=B,port=6000", S,
	    "ssl: needs exactly one of 'certuser' or 'machuser'"),
	ERR("ssl:proto=tls1,certuser=,port=6000", S,
	    "ssl: 'certuser' needs a value"),
	ERR("ssl:proto=tls1,certuser=C", S, "ssl: missing required key 'port'"),
	ERR("ssl:proto=tls1,certuser=C,port=6000,ipversion=6", S,
	    "ssl: key 'ipversion' does not apply to ssl"),
	ERR("ssl:proto=tls1,certuser=C,port=6000,icfenable", S,
	    "ssl: key 'icfenable' does not apply to ssl"),
	ERR("ssl:proto=tls1,certuser=C,server=h,port=6000", S,
	    "ssl: 'server' is a client-side key; a server-side spec listens "
	    "on 'port'"),
	ERR("ssl:proto=tls1,certuser=C,port=6000,clicon=c,hidden", S,
	    "ssl: 'hidden' cannot be used with 'clicon'"),
	ERR("ssl:proto=tls1,certuser=C,port=51:60,clicon=c", S,
	    "ssl: 'port' must be a single port with 'clicon', got '51:60'"),
	ERR("ssl:proto=tls1,certuser=C,server=h,port=51:60", C,
	    "ssl: 'port' must be a single port with 'server', got '51:60'"),
	ERR("ssl:proto=tls1,certuser=C,port=6000", C,
	    "ssl: missing required key 'server' (or 'clicon')"),
	ERR("ssl:proto=tls1,certusr=C,port=6000", S,
	    "ssl: unknown key 'certusr'; did you mean 'certuser'?"),

	/*
	 * ---- spipe (doc/transports.md §2.2 spipe-listen, §2.3
	 * spipe-connect)
	 */
	OK("spipe:proto=tls1,certuser=C,pipe=P", S,
	    "spipe:proto=tls1,certuser=C,pipe=P", S),
	OK("spipe:pipe=P,hidden,machuser=M,proto=tls1.2,password=S3cr3tPw", S,
	    "spipe:proto=tls1.2,machuser=M,pipe=P,hidden,password=*", S),
	OK("spipe:server=h,pipe=P,proto=tls1.3,certuser=C", C,
	    "spipe:proto=tls1.3,certuser=C,server=h,pipe=P", C),
	ERR("spipe:proto=tls1,certuser=C,pipe=P,port=5005", S,
	    "spipe: key 'port' does not apply to spipe"),
	ERR("spipe:proto=tls1,certuser=C,pipe=P,icfenable", S,
	    "spipe: key 'icfenable' does not apply to spipe"),
	ERR("spipe:proto=tls1,certuser=C,pipe=P,clicon=x", S,
	    "spipe: key 'clicon' does not apply to spipe"),
	ERR("spipe:proto=pct1,certuser=C,pipe=P", S,
	    "spipe: proto=pct1 is insecure and refused; use proto=tls1 "
	    "(TLS 1.2 or newer)"),
	ERR("spipe:proto=tls1,pipe=P", S,
	    "spipe: needs exactly one of 'certuser' or 'machuser'"),
	ERR("spipe:proto=tls1,certuser=C", S,
	    "spipe: missing required key 'pipe'"),
	ERR("spipe:proto=tls1,certuser=C,pipe=P", C,
	    "spipe: missing required key 'server'"),
	ERR("spipe:proto=tls1,certuser=C,server=h,pipe=P", S,
	    "spipe: 'server' is a client-side key; a server-side spec listens "
	    "on 'pipe'"),

	/* ---- com (doc/transports.md §2.2 com-server, §2.3 com-client) */
	OK("com:port=com1,baud=115200,channel=0", S,
	    "com:port=com1,baud=115200,channel=0", S),
	OK("COM:Channel=254,Baud=9600,Port=2,hidden,password=S3cr3tPw", S,
	    "com:port=2,baud=9600,channel=254,hidden,password=*", S),
	OK("com:port=/dev/ttyUSB0,baud=57600,channel=3", C,
	    "com:port=/dev/ttyUSB0,baud=57600,channel=3", C),
	OK("com:port=COM3,baud=19200,channel=1,password=S3cr3tPw", C,
	    "com:port=COM3,baud=19200,channel=1,password=*", C),
	OK("com:port=256,baud=1,channel=007", S,
	    "com:port=256,baud=1,channel=7", S),
	ERR("com:port=com1,baud=9600,channel=255", S,
	    "com: 'channel' must be 0-254, got '255'"),
	ERR("com:port=com1,baud=9600,channel=-1", S,
	    "com: 'channel' must be 0-254, got '-1'"),
	ERR("com:port=com1,baud=0,channel=0", S,
	    "com: 'baud' must be a positive number, got '0'"),
	ERR("com:port=com1,baud=fast,channel=0", S,
	    "com: 'baud' must be a positive number, got 'fast'"),
	ERR("com:port=com1,baud=99999999999,channel=0", S,
	    "com: 'baud' must be a positive number, got '99999999999'"),
	ERR("com:port=com0,baud=9600,channel=0", S,
	    "com: 'port' must be comN, N or a device path, got 'com0'"),
	ERR("com:port=ttyS0,baud=9600,channel=0", S,
	    "com: 'port' must be comN, N or a device path, got 'ttyS0'"),
	ERR("com:port=257,baud=9600,channel=0", S,
	    "com: 'port' must be comN, N or a device path, got '257'"),
	ERR("com:port=/,baud=9600,channel=0", S,
	    "com: 'port' must be comN, N or a device path, got '/'"),
	ERR("com:port=com1,channel=0", S, "com: missing required key 'baud'"),
	ERR("com:port=com1,baud=9600", C, "com: missing required key 'channel'"),
	ERR("com:baud=9600,channel=0", S, "com: missing required key 'port'"),
	ERR("com:port=com1,baud=9600,channel=0,hidden", C,
	    "com: 'hidden' is a server-side key; a client-side spec cannot "
	    "use it"),
	ERR("com:port=com1,baud=9600,channel=0,server=h", C,
	    "com: key 'server' does not apply to com"),
	ERR("com:port=com1,baud=9600,channel=0,icfenable", S,
	    "com: key 'icfenable' does not apply to com"),
	ERR("com:port=com1,baud=9600,channel=0,ipversion=6", S,
	    "com: key 'ipversion' does not apply to com"),
	ERR("com:port=com1,baud=9600,chanel=0", S,
	    "com: unknown key 'chanel'; did you mean 'channel'?"),

	/* ---- GW_SPEC_EITHER: server wins, else client, else the intended */
	OK("tcp:port=5005", E, "tcp:port=5005", S),
	OK("tcp:server=lab7,port=5005", E, "tcp:server=lab7,port=5005", C),
	OK("tcp:port=1033,clicon=c", E, "tcp:port=1033,clicon=c", S),
	OK("tcp:port=51:60,clicon=c", E, "tcp:clicon=c,port=51:60", C),
	OK("com:port=1,baud=9600,channel=0", E, "com:port=1,baud=9600,channel=0",
	    S),
	OK("npipe:server=.,pipe=p", E, "npipe:server=.,pipe=p", C),
	OK("ssl:proto=tls1,certuser=C,clicon=h,port=1:5", E,
	    "ssl:proto=tls1,certuser=C,clicon=h,port=1:5", C),
	OK("kdsrv:server=@{tcp:server=h,port=1},trans=@{com:}", E,
	    "kdsrv:server=@{tcp:server=h,port=1},trans=@{com:}", C),
	ERR("tcp:server=h,port=5005,hidden", E,
	    "tcp: 'hidden' is a server-side key; a client-side spec cannot "
	    "use it"),
	ERR("tcp:hidden", E, "tcp: missing required key 'port'"),
	ERR("tcp:port=5005,clicon=c,hidden,password=Zq9Secret", E,
	    "tcp: 'hidden' cannot be used with 'clicon'"),
	ERR("npipe:server=h", E, "npipe: missing required key 'pipe'"),
	ERR("tcp:port=70000", E, "tcp: 'port' must be 1-65535, got '70000'"),
	ERR("kdsrv:server=@{tcp:port=5005},trans=@{com:}", E,
	    "kdsrv: in 'server': tcp: missing required key 'server' (or "
	    "'clicon')"),

	/* ---- transport names */
	ERR("tpc:port=5005", S, "unknown transport 'tpc'; did you mean 'tcp'?"),
	ERR("npip:pipe=x", S,
	    "unknown transport 'npip'; did you mean 'npipe'?"),
	ERR("sll:proto=tls1", S, "unknown transport 'sll'; did you mean 'ssl'?"),
	ERR("kdsvr:server=@{}", C,
	    "unknown transport 'kdsvr'; did you mean 'kdsrv'?"),
	ERR("http:port=80", S, "unknown transport 'http'; expected tcp:, "
	    "npipe:, ssl:, spipe:, com: or kdsrv:"),
	ERR("", S, "empty spec: expected tcp:, npipe:, ssl:, spipe:, com: or "
	    "kdsrv:"),
	ERR("   ", E, "empty spec: expected tcp:, npipe:, ssl:, spipe:, com: "
	    "or kdsrv:"),
	ERR("tcp", S, "tcp: missing ':' after the transport"),
	ERR("port=5005", S, "no transport: expected tcp:, npipe:, ssl:, spipe:, "
	    "com: or kdsrv:"),
	ERR("password=Zq9Secret:x", S, "no transport: expected tcp:, npipe:, "
	    "ssl:, spipe:, com: or kdsrv:"),
	ERR(":port=5005", S, "no transport: expected tcp:, npipe:, ssl:, "
	    "spipe:, com: or kdsrv:"),
	ERR("tcp:port=5005\n", S, "control character at offset 13"),
	ERR("kdsrv:server=@{tcp:server=h,port=1},trans=@{com:}", S,
	    "kdsrv: client-side only; a server-side spec cannot use kdsrv"),

	/* ---- kdsrv (doc/transports.md §2.5, §3.2) */
	OK("kdsrv:server=@{tcp:server=lab7,port=5005},"
	    "trans=@{com:port=com1,baud=57600}", C,
	    "kdsrv:server=@{tcp:server=lab7,port=5005},"
	    "trans=@{com:port=com1,baud=57600}", C),
	OK("KdSrv: Trans=@{ COM:Baud=115200,Port=\\\\.\\com3 } , "
	    "Server=@{ TCP:Port=9001,Server=Rep1,Password=S3cr3tPw }", C,
	    "kdsrv:server=@{tcp:server=Rep1,port=9001,password=*},"
	    "trans=@{com:port=\\\\.\\com3,baud=115200}", C),
	OK(KD_TRANS_ERR "com:}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},trans=@{com:}", C),
	OK(KD_TRANS_ERR "com:baud=9600}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},trans=@{com:baud=9600}", C),
	OK(KD_TRANS_ERR "com:baud=38400,port=COM2}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},"
	    "trans=@{com:port=COM2,baud=38400}", C),
	OK(KD_TRANS_ERR "usb2:targetname=Target1}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},"
	    "trans=@{usb2:targetname=Target1}", C),
	OK(KD_TRANS_ERR "USB2:}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},trans=@{usb2:}", C),
	OK(KD_TRANS_ERR "com:pipe,port=\\\\VMHost\\pipe\\PipeName,resets=0,"
	    "reconnect}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},"
	    "trans=@{com:pipe,port=\\\\VMHost\\pipe\\PipeName,resets=0,"
	    "reconnect}", C),
	OK(KD_TRANS_ERR "com:Reconnect,Port=\\\\.\\PIPE\\com_1,Pipe}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},"
	    "trans=@{com:pipe,port=\\\\.\\PIPE\\com_1,reconnect}", C),
	OK(KD_TRANS_ERR "com:modem}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},trans=@{com:modem}", C),
	OK(KD_TRANS_ERR "1394:channel=9}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},trans=@{1394:channel=9}", C),
	OK(KD_TRANS_ERR "1394:symlink=Inst1,channel=0}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},"
	    "trans=@{1394:channel=0,symlink=Inst1}", C),
	OK(KD_TRANS_ERR "NET:Port=50000,Key=1.2.3.4}", C,
	    "kdsrv:server=@{tcp:server=h,port=1},"
	    "trans=@{net:port=50000,key=*}", C),
	OK("kdsrv:server=@{npipe:server=h,pipe=KdPipe},trans=@{usb2:}", C,
	    "kdsrv:server=@{npipe:server=h,pipe=KdPipe},trans=@{usb2:}", C),
	OK("kdsrv:server=@{ssl:proto=tls1,machuser=ab 38 f7,server=h,"
	    "port=6000},trans=@{com:modem}", C,
	    "kdsrv:server=@{ssl:proto=tls1,machuser=ab 38 f7,server=h,"
	    "port=6000},trans=@{com:modem}", C),
	OK("kdsrv:server=@{tcp:clicon=repeater,port=9000},"
	    "trans=@{1394:channel=9}", C,
	    "kdsrv:server=@{tcp:clicon=repeater,port=9000},"
	    "trans=@{1394:channel=9}", C),
	OK("kdsrv:server=@{npipe:server=h,pipe={guid-1}},trans=@{com:}", C,
	    "kdsrv:server=@{npipe:server=h,pipe={guid-1}},trans=@{com:}", C),
	OK("kdsrv:server=@{spipe:proto=tls1.3,certuser=C,server=h,pipe=P},"
	    "trans=@{com:}", C,
	    "kdsrv:server=@{spipe:proto=tls1.3,certuser=C,server=h,pipe=P},"
	    "trans=@{com:}", C),
	OK("kdsrv:server=@{com:port=com2,baud=9600,channel=4},trans=@{com:}",
	    C, "kdsrv:server=@{com:port=com2,baud=9600,channel=4},"
	    "trans=@{com:}", C),
	ERR("kdsrv:server=@{tcp:server=h,port=1}", C,
	    "kdsrv: missing required key 'trans'"),
	ERR("kdsrv:trans=@{com:}", C, "kdsrv: missing required key 'server'"),
	ERR("kdsrv:server=@{tcp:server=h,port=1,trans=@{com:}", C,
	    "kdsrv: unbalanced braces: '{' without '}'"),
	ERR("kdsrv:server=@{tcp:server=h,port=1}},trans=@{com:}", C,
	    "kdsrv: unbalanced braces: '}' without '{'"),
	ERR("kdsrv:server=@{tcp:server=h,port=1},trans=@{com:", C,
	    "kdsrv: unbalanced braces: '{' without '}'"),
	ERR("kdsrv:server=tcp:h,trans=@{com:}", C,
	    "kdsrv: 'server' must be @{CLIENT-SPEC}"),
	ERR("kdsrv:server=@{tcp:server=h,port=1}x,trans=@{com:}", C,
	    "kdsrv: 'server' must be @{CLIENT-SPEC}"),
	ERR("kdsrv:server=@{tcp:server=h}{port=1},trans=@{com:}", C,
	    "kdsrv: 'server' must be @{CLIENT-SPEC}"),
	ERR("kdsrv:server=@{},trans=@{com:}", C, "kdsrv: 'server' needs a value"),
	ERR("kdsrv:server=@{tcp:server=h,port=1},trans=@{ }", C,
	    "kdsrv: 'trans' needs a value"),
	ERR("kdsrv:server=@{tcp:server=h,port=1},trans=com:", C,
	    "kdsrv: 'trans' must be @{CONNECT-TYPE}"),
	ERR("kdsrv:server=@{tcp:server=h,port=70000},trans=@{com:}", C,
	    "kdsrv: in 'server': tcp: 'port' must be 1-65535, got '70000'"),
	ERR("kdsrv:server=@{tcp:port=5005,hidden},trans=@{com:}", C,
	    "kdsrv: in 'server': tcp: 'hidden' is a server-side key; a "
	    "client-side spec cannot use it"),
	ERR("kdsrv:server=@{tcp:server=h,port=1,password=Zq9Secret!},"
	    "trans=@{com:}", C,
	    "kdsrv: in 'server': tcp: 'password' must be 1-12 letters or "
	    "digits"),
	ERR("kdsrv:server=@{kdsrv:server=@{tcp:server=h,port=1},"
	    "trans=@{com:}},trans=@{com:}", C,
	    "kdsrv: 'server' must hold a client spec, not another kdsrv spec"),
	ERR("kdsrv:server=@{tcp:server=h,port=1},trans=@{com:},"
	    "password=Zq9Secret", C,
	    "kdsrv: key 'password' does not apply to kdsrv; kdsrv takes only "
	    "server=@{...} and trans=@{...}"),
	ERR("kdsrv:server=@{tcp:server=h,port=1},trans=@{com:},"
	    "trans=@{usb2:}", C, "kdsrv: duplicate key 'trans'"),
	ERR("kdsrv:srever=@{tcp:server=h,port=1},trans=@{com:}", C,
	    "kdsrv: unknown key 'srever'; did you mean 'server'?"),
	ERR("kdsrv:server=@{tcp:server=h,port=1},tarns=@{com:}", C,
	    "kdsrv: unknown key 'tarns'; did you mean 'trans'?"),
	ERR(KD_TRANS_ERR "usb:targetname=x}", C,
	    "kdsrv: in 'trans': unknown connection type 'usb'; did you mean "
	    "'usb2'?"),
	ERR(KD_TRANS_ERR "gdb:server=x}", C,
	    "kdsrv: in 'trans': unknown connection type 'gdb'; expected com:, "
	    "usb2:, 1394: or net:"),
	ERR(KD_TRANS_ERR "com}", C,
	    "kdsrv: in 'trans': com: missing ':' after the connection type"),
	ERR(KD_TRANS_ERR "port=com1}", C,
	    "kdsrv: in 'trans': no connection type: expected com:, usb2:, "
	    "1394: or net:"),
	ERR(KD_TRANS_ERR "com:baud=1200}", C,
	    "kdsrv: in 'trans': com: 'baud' must be 9600, 19200, 38400, 57600 "
	    "or 115200, got '1200'"),
	ERR(KD_TRANS_ERR "com:port=1}", C,
	    "kdsrv: in 'trans': com: 'port' must be comN or \\\\.\\comN, got "
	    "'1'"),
	ERR(KD_TRANS_ERR "com:port=com1,port=com2}", C,
	    "kdsrv: in 'trans': com: duplicate key 'port'"),
	ERR(KD_TRANS_ERR "com:timeout=4000}", C,
	    "kdsrv: in 'trans': com: unknown key 'timeout'"),
	ERR(KD_TRANS_ERR "com:pipe}", C,
	    "kdsrv: in 'trans': com: missing required key 'port'"),
	ERR(KD_TRANS_ERR "com:pipe,port=com1}", C,
	    "kdsrv: in 'trans': com: 'port' must be \\\\HOST\\pipe\\NAME, got "
	    "'com1'"),
	ERR(KD_TRANS_ERR "com:pipe,port=\\\\host\\pipe\\}", C,
	    "kdsrv: in 'trans': com: 'port' must be \\\\HOST\\pipe\\NAME, got "
	    "'\\\\host\\pipe\\'"),
	ERR(KD_TRANS_ERR "com:pipe,port=\\\\.\\pipe\\p,resets=1}", C,
	    "kdsrv: in 'trans': com: 'resets' must be 0, got '1'"),
	ERR(KD_TRANS_ERR "com:pipe=1,port=\\\\.\\pipe\\p}", C,
	    "kdsrv: in 'trans': com: 'pipe' is a flag and takes no value"),
	ERR(KD_TRANS_ERR "com:port=com1,resets=0}", C,
	    "kdsrv: in 'trans': com: 'resets' needs 'pipe'"),
	ERR(KD_TRANS_ERR "com:port=com1,reconnect}", C,
	    "kdsrv: in 'trans': com: 'reconnect' needs 'pipe'"),
	ERR(KD_TRANS_ERR "com:modem,baud=9600}", C,
	    "kdsrv: in 'trans': com: 'baud' cannot be used with 'modem'"),
	ERR(KD_TRANS_ERR "com:pipe,port=\\\\.\\pipe\\p,baud=9600}", C,
	    "kdsrv: in 'trans': com: 'baud' cannot be used with 'pipe'"),
	ERR(KD_TRANS_ERR "com:pipe,modem}", C,
	    "kdsrv: in 'trans': com: 'modem' cannot be used with 'pipe'"),
	ERR(KD_TRANS_ERR "1394:}", C,
	    "kdsrv: in 'trans': 1394: missing required key 'channel'"),
	ERR(KD_TRANS_ERR "1394:channel=63}", C,
	    "kdsrv: in 'trans': 1394: 'channel' must be 0-62, got '63'"),
	ERR(KD_TRANS_ERR "net:port=50000}", C,
	    "kdsrv: in 'trans': net: missing required key 'key'"),
	ERR(KD_TRANS_ERR "net:key=1.2.3.4}", C,
	    "kdsrv: in 'trans': net: missing required key 'port'"),
	ERR(KD_TRANS_ERR "net:port=0,key=1.2.3.4}", C,
	    "kdsrv: in 'trans': net: 'port' must be 1-65535, got '0'"),
	ERR(KD_TRANS_ERR "usb2:port=1}", C,
	    "kdsrv: in 'trans': usb2: key 'port' does not apply to usb2"),
	ERR(KD_TRANS_ERR "usb2:targetnme=x}", C,
	    "kdsrv: in 'trans': usb2: unknown key 'targetnme'; did you mean "
	    "'targetname'?"),
	ERR(KD_TRANS_ERR "usb2:targetname=}", C,
	    "kdsrv: in 'trans': usb2: 'targetname' needs a value"),
};
#define NPARSE (sizeof parse_cases / sizeof parse_cases[0])

/*
 * The value of every password= in text (up to ',' or '}'), for the check
 * that no output holds one.  Returns how many were found.
 */
static size_t
passwords(const char *text, char out[][64], size_t max)
{
	const char	*p = text, *v;
	size_t		 n = 0, len;

	while ((p = strcasestr(p, "password")) != NULL && n < max) {
		p += 8;
		v = p;
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '=')
			continue;
		v++;
		while (*v == ' ' || *v == '\t')
			v++;
		len = strcspn(v, ",}");
		while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
			len--;
		if (len >= sizeof out[0])
			len = sizeof out[0] - 1;
		memcpy(out[n], v, len);
		out[n][len] = '\0';
		n++;
	}
	return (n);
}

/* No message or canonical form may hold a password of text. */
static void
assert_no_password(const char *text, const char *output)
{
	char	pw[8][64];
	size_t	n, i;

	if (output == NULL)
		return;
	n = passwords(text, pw, 8);
	for (i = 0; i < n; i++) {
		if (strlen(pw[i]) < 4)	/* "x" is in every message */
			continue;
		if (strstr(output, pw[i]) != NULL) {
			print_error("password '%s' leaked into '%s'\n", pw[i],
			    output);
			fail();
		}
	}
}

static const char *
side_name(enum gw_spec_side side)
{
	switch (side) {
	case GW_SPEC_SERVER:
		return ("server");
	case GW_SPEC_CLIENT:
		return ("client");
	case GW_SPEC_EITHER:
		return ("either");
	}
	return ("?");
}

static void
test_parse_case(void **state)
{
	const struct parse_case	*pc = *state;
	struct gw_spec		*spec = NULL, *again = NULL;
	char			*cause = NULL, *canon, *canon2;
	int			 r;

	r = gw_spec_parse(pc->text, pc->side, &spec, &cause);
	if (pc->canonical == NULL) {
		if (r == 0) {
			canon = gw_spec_canonical(spec);
			print_error("'%s' (%s) parsed as '%s', expected error "
			    "'%s'\n", pc->text, side_name(pc->side),
			    canon != NULL ? canon : "?", pc->error);
			free(canon);
			gw_spec_free(spec);
			fail();
		}
		assert_null(spec);
		assert_non_null(cause);
		assert_string_equal(cause, pc->error);
		assert_null(strchr(cause, '\n'));
		assert_no_password(pc->text, cause);
		free(cause);
		return;
	}

	if (r != 0) {
		print_error("'%s' (%s) failed: %s\n", pc->text,
		    side_name(pc->side), cause != NULL ? cause : "?");
		free(cause);
		fail();
	}
	assert_non_null(spec);
	assert_int_equal(spec->side, pc->found);
	canon = gw_spec_canonical(spec);
	assert_non_null(canon);
	assert_string_equal(canon, pc->canonical);
	assert_no_password(pc->text, canon);

	/* Without a password, the canonical form parses to itself. */
	if (spec->password == NULL &&
	    (spec->inner == NULL || spec->inner->password == NULL)) {
		cause = NULL;
		r = gw_spec_parse(canon, spec->side, &again, &cause);
		if (r != 0) {
			print_error("canonical '%s' failed: %s\n", canon,
			    cause != NULL ? cause : "?");
			free(cause);
			fail();
		}
		canon2 = gw_spec_canonical(again);
		assert_non_null(canon2);
		assert_string_equal(canon2, canon);
		free(canon2);
		gw_spec_free(again);
	}
	free(canon);
	gw_spec_free(spec);
}

/* ---- gw_spec_client_string */

struct client_case {
	const char	*serve;
	const char	*connect;	/* NULL: no connect spec */
	const char	*host;
	const char	*want;
	const char	*cert;		/* the smart client's certificate name */
};

static const struct client_case client_cases[] = {
	{ "tcp:port=5005", "tcp:server=dbgsrv1,port=5005", "gw1",
	    "-premote tcp:server=gw1,port=5005", NULL },
	{ "ssl:proto=tls1,certuser=NAME,port=6000", "tcp:server=d,port=1",
	    "HOST", "-premote ssl:proto=tls1,certuser=NAME,server=HOST,"
	    "port=6000", NULL },
	{ "tcp:port=5005,clicon=dev7", "tcp:server=d,port=1", "gw1",
	    "-premote tcp:clicon=gw1,port=5005", NULL },
	{ "npipe:pipe=NAME", "npipe:server=.,pipe=up", "gw1",
	    "-premote npipe:server=gw1,pipe=NAME", NULL },
	{ "tcp:port=5005", "kdsrv:server=@{tcp:server=k,port=5000},"
	    "trans=@{com:port=com1,baud=57600}", "gw1",
	    "-k kdsrv:server=@{tcp:server=gw1,port=5005},"
	    "trans=@{com:port=com1,baud=57600}", NULL },
	{ "ssl:proto=tls1.2,machuser=M,port=6000",
	    "kdsrv:server=@{tcp:server=k,port=5000},trans=@{net:port=50000,"
	    "key=1.2.3.4}", "gw1",
	    "-k kdsrv:server=@{ssl:proto=tls1,machuser=M,server=gw1,"
	    "port=6000},trans=@{net:port=50000,key=*}", NULL },
	{ "tcp:port=51:60,hidden", "tcp:server=d,port=1", "gw1",
	    "-premote tcp:server=gw1,port=51", NULL },
	{ "tcp:port=5005,password=S3cr3tPw", "tcp:server=d,port=1,"
	    "password=Zq9Secret", "gw1", "-premote tcp:server=gw1,port=5005", NULL },
	{ "tcp:port=5005,ipversion=6", "tcp:server=d,port=1", "::1",
	    "-premote tcp:server=::1,port=5005,ipversion=6", NULL },
	{ "ssl:proto=tls1.3,machuser=ab 38 f7,port=6000", "tcp:server=d,port=1",
	    "gw1", "-premote \"ssl:proto=tls1,machuser=ab 38 f7,server=gw1,"
	    "port=6000\"", NULL },
	{ "spipe:proto=tls1.2,certuser=C,pipe=P,hidden,password=S3cr3tPw",
	    "npipe:server=.,pipe=up", "gw1",
	    "-premote spipe:proto=tls1,certuser=C,server=gw1,pipe=P", NULL },
	/* The certificate as the smart client names it: a thumbprint. */
	{ "ssl:proto=tls1.3,certuser=/etc/dbgbridge/lab.pem,port=6000",
	    "tcp:server=d,port=1", "gw1", "-premote ssl:proto=tls1,"
	    "certuser=0123456789abcdef0123456789abcdef01234567,server=gw1,"
	    "port=6000", "0123456789abcdef0123456789abcdef01234567" },
	{ "spipe:proto=tls1,machuser=lab,pipe=P", "tcp:server=d,port=1",
	    "gw1", "-premote spipe:proto=tls1,machuser=ffff,server=gw1,pipe=P",
	    "ffff" },
	{ "com:port=com2,baud=115200,channel=5,hidden", "tcp:server=d,port=1",
	    "gw1", "-premote com:port=com2,baud=115200,channel=5", NULL },
	{ "ssl:proto=tls1,machuser=M,port=6000,clicon=dev", "tcp:server=d,"
	    "port=1", "gw1", "-premote ssl:proto=tls1,machuser=M,clicon=gw1,"
	    "port=6000", NULL },
	{ "tcp:port=5005", NULL, NULL, "-premote tcp:server=localhost,"
	    "port=5005", NULL },
	{ "npipe:pipe=Dbg%d,icfenable", "tcp:server=d,port=1", ".",
	    "-premote npipe:server=.,pipe=Dbg%d", NULL },
};
#define NCLIENT (sizeof client_cases / sizeof client_cases[0])

static void
test_client_case(void **state)
{
	const struct client_case	*cc = *state;
	struct gw_spec			*serve = NULL, *connect = NULL;
	char				*cause = NULL, *s;

	if (gw_spec_parse(cc->serve, GW_SPEC_SERVER, &serve, &cause) != 0) {
		print_error("serve '%s': %s\n", cc->serve, cause);
		free(cause);
		fail();
	}
	if (cc->connect != NULL &&
	    gw_spec_parse(cc->connect, GW_SPEC_CLIENT, &connect, &cause) != 0) {
		print_error("connect '%s': %s\n", cc->connect, cause);
		free(cause);
		gw_spec_free(serve);
		fail();
	}
	s = gw_spec_client_string(serve, connect, cc->host, cc->cert);
	assert_non_null(s);
	assert_string_equal(s, cc->want);
	assert_no_password(cc->serve, s);
	if (cc->connect != NULL)
		assert_no_password(cc->connect, s);
	free(s);
	gw_spec_free(serve);
	gw_spec_free(connect);
}

/*
 * ---- pipe names: the rule and the server's expansion (doc/transports.md
 * §3.1)
 */

static void
test_pipe_expand(void **state)
{
	char	 out[GW_SPEC_PIPE_MAX + 1], small[8], *cause = NULL;

	(void)state;
	assert_int_equal(gw_spec_pipe_expand("Dbg%d_%x%%", 1234, out,
	    sizeof out), 0);
	assert_string_equal(out, "Dbg1234_4d2%");
	assert_int_equal(gw_spec_pipe_expand("plain", 1, out, sizeof out), 0);
	assert_string_equal(out, "plain");
	/* What the rule refuses does not expand; nor what does not fit. */
	assert_int_equal(gw_spec_pipe_expand("x%s", 1, out, sizeof out), -1);
	assert_int_equal(gw_spec_pipe_expand("a/b", 1, out, sizeof out), -1);
	assert_int_equal(gw_spec_pipe_expand("Dbg%d", 12345678, small,
	    sizeof small), -1);
	/* The public check: the same rule, per side, no prefix. */
	assert_int_equal(gw_spec_pipe_check("x%s", GW_SPEC_CLIENT, &cause), 0);
	assert_int_equal(gw_spec_pipe_check("x%s", GW_SPEC_SERVER, &cause), -1);
	assert_string_equal(cause, "'pipe': a '%' must start %d, %x or %% "
	    "(a literal '%'), got 'x%s'");
	free(cause);
	assert_int_equal(gw_spec_pipe_check("", GW_SPEC_SERVER, NULL), -1);
	assert_int_equal(gw_spec_pipe_check(NULL, GW_SPEC_CLIENT, NULL), -1);
}

/* ---- the parsed fields */

static struct gw_spec *
parse_ok(const char *text, enum gw_spec_side side)
{
	struct gw_spec	*spec = NULL;
	char		*cause = NULL;

	if (gw_spec_parse(text, side, &spec, &cause) != 0) {
		print_error("'%s': %s\n", text, cause);
		free(cause);
		fail();
	}
	return (spec);
}

static void
test_fields_tcp(void **state)
{
	struct gw_spec	*s;

	(void)state;
	s = parse_ok("tcp:port=51:60,hidden,password=PassWord12,ipversion=6,"
	    "icfenable", GW_SPEC_SERVER);
	assert_int_equal(s->transport, GW_SPEC_TCP);
	assert_int_equal(s->side, GW_SPEC_SERVER);
	assert_int_equal(s->port_lo, 51);
	assert_int_equal(s->port_hi, 60);
	assert_true(s->hidden);
	assert_true(s->ipv6);
	assert_true(s->icf_enable);
	assert_string_equal(s->password, "PassWord12");
	assert_null(s->server);
	assert_null(s->clicon);
	assert_int_equal(s->proto, GW_SPEC_PROTO_NONE);
	assert_int_equal(s->cert_store, GW_SPEC_CERT_NONE);
	assert_false(gw_spec_is_tls(s));
	gw_spec_free(s);

	s = parse_ok("tcp:server=\\\\[2001:db8::1],port=5005", GW_SPEC_CLIENT);
	assert_string_equal(s->server, "2001:db8::1");
	assert_int_equal(s->port_lo, 5005);
	assert_int_equal(s->port_hi, 5005);
	assert_false(s->hidden);
	assert_null(s->password);
	gw_spec_free(s);

	s = parse_ok("tcp:port=1033,clicon=\\\\Client7", GW_SPEC_SERVER);
	assert_string_equal(s->clicon, "Client7");
	assert_null(s->server);
	gw_spec_free(s);
}

static void
test_fields_tls(void **state)
{
	struct gw_spec	*s;

	(void)state;
	s = parse_ok("ssl:proto=tls1,machuser=ab 38 f7,port=6000",
	    GW_SPEC_SERVER);
	assert_int_equal(s->transport, GW_SPEC_SSL);
	assert_int_equal(s->proto, GW_SPEC_PROTO_TLS1);
	assert_int_equal(s->cert_store, GW_SPEC_CERT_MACHINE);
	assert_string_equal(s->cert, "ab 38 f7");
	assert_true(gw_spec_is_tls(s));
	gw_spec_free(s);

	s = parse_ok("spipe:proto=TLS1.2,certuser=Lab,server=h,pipe=P",
	    GW_SPEC_CLIENT);
	assert_int_equal(s->transport, GW_SPEC_SPIPE);
	assert_int_equal(s->proto, GW_SPEC_PROTO_TLS1_2);
	assert_int_equal(s->cert_store, GW_SPEC_CERT_USER);
	assert_string_equal(s->cert, "Lab");
	assert_string_equal(s->pipe, "P");
	assert_string_equal(s->server, "h");
	assert_true(gw_spec_is_tls(s));
	gw_spec_free(s);

	s = parse_ok("ssl:proto=tls1.3,certuser=C,server=h,port=1",
	    GW_SPEC_CLIENT);
	assert_int_equal(s->proto, GW_SPEC_PROTO_TLS1_3);
	gw_spec_free(s);
}

static void
test_fields_com_npipe(void **state)
{
	struct gw_spec	*s;

	(void)state;
	s = parse_ok("com:port=COM2,baud=115200,channel=254", GW_SPEC_CLIENT);
	assert_int_equal(s->transport, GW_SPEC_COM);
	assert_string_equal(s->com_port, "COM2");
	assert_int_equal(s->baud, 115200);
	assert_int_equal(s->channel, 254);
	assert_int_equal(s->port_lo, 0);
	assert_false(gw_spec_is_tls(s));
	gw_spec_free(s);

	s = parse_ok("npipe:pipe=Dbg%d", GW_SPEC_SERVER);
	assert_int_equal(s->transport, GW_SPEC_NPIPE);
	assert_string_equal(s->pipe, "Dbg%d");
	gw_spec_free(s);
}

static void
test_fields_kdsrv(void **state)
{
	struct gw_spec	*s;

	(void)state;
	s = parse_ok("kdsrv:server=@{ssl:proto=tls1,certuser=C,server=k,"
	    "port=6000,password=Kd1Pass},trans=@{COM:port=com1}",
	    GW_SPEC_EITHER);
	assert_int_equal(s->transport, GW_SPEC_KDSRV);
	assert_int_equal(s->side, GW_SPEC_CLIENT);
	assert_non_null(s->inner);
	assert_int_equal(s->inner->transport, GW_SPEC_SSL);
	assert_int_equal(s->inner->side, GW_SPEC_CLIENT);
	assert_string_equal(s->inner->server, "k");
	assert_string_equal(s->inner->password, "Kd1Pass");
	assert_string_equal(s->trans, "com:port=com1");
	assert_null(s->server);
	assert_true(gw_spec_is_tls(s));
	gw_spec_free(s);

	s = parse_ok("kdsrv:server=@{tcp:server=k,port=1},trans=@{usb2:}",
	    GW_SPEC_CLIENT);
	assert_false(gw_spec_is_tls(s));
	gw_spec_free(s);
}

static void
test_transport_names(void **state)
{
	(void)state;
	assert_string_equal(gw_spec_transport_name(GW_SPEC_TCP), "tcp");
	assert_string_equal(gw_spec_transport_name(GW_SPEC_NPIPE), "npipe");
	assert_string_equal(gw_spec_transport_name(GW_SPEC_SSL), "ssl");
	assert_string_equal(gw_spec_transport_name(GW_SPEC_SPIPE), "spipe");
	assert_string_equal(gw_spec_transport_name(GW_SPEC_COM), "com");
	assert_string_equal(gw_spec_transport_name(GW_SPEC_KDSRV), "kdsrv");
	assert_false(gw_spec_is_tls(NULL));
}

/* Odd arguments: no crash, no leak, *out untouched on error. */
static void
test_arguments(void **state)
{
	struct gw_spec	*spec = (struct gw_spec *)&spec, *s;
	char		*cause = NULL, *c;

	(void)state;
	assert_int_equal(gw_spec_parse(NULL, GW_SPEC_SERVER, &spec, &cause),
	    -1);
	assert_ptr_equal(spec, (struct gw_spec *)&spec);
	assert_string_equal(cause, "empty spec: expected tcp:, npipe:, ssl:, "
	    "spipe:, com: or kdsrv:");
	free(cause);

	/* No cause wanted: still fails cleanly (also for either side). */
	assert_int_equal(gw_spec_parse("tcp:port=0", GW_SPEC_SERVER, &spec,
	    NULL), -1);
	assert_int_equal(gw_spec_parse("tcp:hidden", GW_SPEC_EITHER, &spec,
	    NULL), -1);
	assert_int_equal(gw_spec_parse("kdsrv:server=@{tcp:port=1},"
	    "trans=@{com:}", GW_SPEC_CLIENT, &spec, NULL), -1);
	assert_ptr_equal(spec, (struct gw_spec *)&spec);

	cause = NULL;
	assert_int_equal(gw_spec_parse("tcp:port=1", (enum gw_spec_side)7,
	    &spec, &cause), -1);
	assert_string_equal(cause, "invalid side");
	free(cause);

	gw_spec_free(NULL);
	assert_null(gw_spec_canonical(NULL));
	assert_null(gw_spec_client_string(NULL, NULL, "h", NULL));

	/* A kdsrv spec given as serve is already a client string. */
	s = parse_ok("kdsrv:server=@{tcp:server=k,port=1},trans=@{com:}",
	    GW_SPEC_CLIENT);
	c = gw_spec_client_string(s, NULL, "h", NULL);
	assert_string_equal(c, "-k kdsrv:server=@{tcp:server=k,port=1},"
	    "trans=@{com:}");
	free(c);
	gw_spec_free(s);
}

/*
 * Long and hostile input: no crash, bounded messages, everything freed
 * (run the binary under valgrind to check the last part).
 */
static void
test_hostile(void **state)
{
	static const char *const texts[] = {
		"tcp:port=5005,aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
		"kdsrv:server=@{{{{{{{{{{",
		"kdsrv:server=}}}}}}",
		"kdsrv:server=@{kdsrv:server=@{kdsrv:},trans=@{}},trans=@{}",
		"kdsrv:server=@{ kdsrv :x},trans=@{com:}",
		"kdsrv:server=@{tcp:server=h,port=1},trans=@{com:pipe,port=\\\\}",
		"kdsrv:server=@{tcp:server=h,port=1},trans=@{:}",
		"kdsrv:server=@{tcp:server=h,port=1},trans=@{com:,}",
		"ssl:proto=tls1,certuser=C,server=h,port=99999999999999999999999",
		"tcp:port=1:2:3",
		"tcp:port=123456789:1",
		"com:port=com99999999999999999999,baud=1,channel=0",
		",,,,",
		":",
		"tcp:::::",
		"\t",
		"tcp:\x7f",
	};
	struct gw_spec	*spec;
	char		*cause, *big, *canon;
	size_t		 i, n;
	enum gw_spec_side sides[] = { GW_SPEC_SERVER, GW_SPEC_CLIENT,
			    GW_SPEC_EITHER };
	size_t		 j;

	(void)state;
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		for (j = 0; j < 3; j++) {
			spec = NULL;
			cause = NULL;
			if (gw_spec_parse(texts[i], sides[j], &spec,
			    &cause) == 0) {
				print_error("'%s' parsed\n", texts[i]);
				gw_spec_free(spec);
				fail();
			}
			assert_non_null(cause);
			assert_null(strchr(cause, '\n'));
			free(cause);
		}
	}

	/* A long spec with many parameters parses and frees. */
	n = 100000;
	big = malloc(n + 64);
	assert_non_null(big);
	strcpy(big, "spipe:proto=tls1,certuser=");
	memset(big + strlen(big), 'p', n);
	strcpy(big + 26 + n, ",pipe=p");
	spec = parse_ok(big, GW_SPEC_SERVER);
	canon = gw_spec_canonical(spec);
	assert_non_null(canon);
	assert_int_equal(strlen(canon), n + 26 + 7);
	free(canon);
	gw_spec_free(spec);
	/* A pipe name that long never fits a socket path: refused, briefly. */
	strcpy(big, "npipe:pipe=");
	memset(big + strlen(big), 'p', n);
	big[11 + n] = '\0';
	assert_int_equal(gw_spec_parse(big, GW_SPEC_SERVER, &spec, &cause), -1);
	assert_string_equal(cause, "npipe: 'pipe' is 100000 bytes; at most "
	    "106 fit in a socket path");
	free(cause);
	free(big);
}

/* A test name shows control characters of a spec as '?'. */
static void
printable(char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

/* Every row of both tables: run, then free everything. */
int
main(void)
{
	struct CMUnitTest	*tests;
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_fields_tcp),
		cmocka_unit_test(test_fields_tls),
		cmocka_unit_test(test_fields_com_npipe),
		cmocka_unit_test(test_fields_kdsrv),
		cmocka_unit_test(test_transport_names),
		cmocka_unit_test(test_arguments),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_pipe_expand),
	};
	char			**names;
	size_t			 n, i, k = 0;
	int			 failed;

	n = NPARSE + NCLIENT + sizeof fixed / sizeof fixed[0];
	tests = calloc(n, sizeof *tests);
	names = calloc(n, sizeof *names);
	if (tests == NULL || names == NULL)
		return (1);
	for (i = 0; i < NPARSE; i++, k++) {
		if (asprintf(&names[k], "parse %zu %s [%s]", i,
		    parse_cases[i].text, side_name(parse_cases[i].side)) == -1)
			return (1);
		printable(names[k]);
		tests[k].name = names[k];
		tests[k].test_func = test_parse_case;
		tests[k].initial_state = (void *)&parse_cases[i];
	}
	for (i = 0; i < NCLIENT; i++, k++) {
		if (asprintf(&names[k], "client %zu %s", i,
		    client_cases[i].serve) == -1)
			return (1);
		tests[k].name = names[k];
		tests[k].test_func = test_client_case;
		tests[k].initial_state = (void *)&client_cases[i];
	}
	for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++, k++)
		tests[k] = fixed[i];

	failed = _cmocka_run_group_tests("spec", tests, n, NULL, NULL);

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	return (failed != 0);
}
