/* Unit tests: the net guest's HTTP request parser and IPv4 argument parser
 * (guest/net/parse.c, built here for the host). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "net/parse.h"

static enum http_parse parse(const char *text, struct http_request *r)
{
	return http_parse_request(text, strlen(text), 1024, r);
}

static void test_get_keepalive(void **state)
{
	const char *t = "GET /index-0.html?x=1 HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\nGET /next";
	struct http_request r;

	assert_int_equal(parse(t, &r), HTTP_PARSE_OK);
	assert_int_equal(r.header_len, strlen(t) - strlen("GET /next"));
	assert_int_equal(r.path_len, strlen("/index-0.html"));
	assert_memory_equal(r.path, "/index-0.html", r.path_len);
	assert_true(r.keep_alive);
	assert_false(r.head);
	assert_false(r.http10);
	assert_int_equal(r.body_len, 0);
}

static void test_connection_header(void **state)
{
	struct http_request r;

	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nhost: a\r\nconnection: foo, close \r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_false(r.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_true(r.http10);
	assert_false(r.keep_alive);
	assert_int_equal(parse("HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_true(r.keep_alive);
	assert_true(r.head);
}

static void test_incomplete_and_too_long(void **state)
{
	char big[2048];
	struct http_request r;

	assert_int_equal(parse("", &r), HTTP_PARSE_INCOMPLETE);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n", &r), HTTP_PARSE_INCOMPLETE);
	assert_int_equal(parse("\r\n", &r), HTTP_PARSE_INCOMPLETE);
	/* Empty lines before the request are skipped and counted. */
	assert_int_equal(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", &r), HTTP_PARSE_OK);
	assert_int_equal(r.header_len, 4 + 27);
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	assert_int_equal(http_parse_request(big, sizeof(big), 1024, &r), HTTP_PARSE_TOO_LONG);
	assert_int_equal(http_parse_request(big, 1023, 1024, &r), HTTP_PARSE_INCOMPLETE);
}

static void test_body_length(void **state)
{
	struct http_request r;

	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", &r),
			 HTTP_PARSE_OK);
	assert_int_equal(r.body_len, 12);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &r),
			 HTTP_PARSE_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", &r),
			 HTTP_PARSE_BAD);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &r),
			 HTTP_PARSE_BAD);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {
		"POST / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET index HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/2.0\r\nHost: a\r\n\r\n",
		"GET /\r\nHost: a\r\n\r\n",
		"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\n\r\n",                          /* no Host */
		"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
		"GET / HTTP/1.1\r\nHost a\r\n\r\n",               /* no colon */
		"GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n",        /* empty name */
		"GET / HTTP/1.1\r\nHo st: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",         /* lone LF */
		"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",         /* lone CR */
		"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n",
		"\x16\x03\x01\x02\r\n\r\n",                        /* TLS, say */
	};
	struct http_request r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &r) != HTTP_PARSE_BAD)
			fail_msg("accepted bad request %zu", i);
		assert_non_null(r.error);
		assert_true(r.header_len > 0);
	}
}

static void test_header_helpers(void **state)
{
	const char *h = "HTTP/1.1 200 OK\r\nContent-Length: 42\r\nConnection:  keep-alive\r\n\r\n";
	size_t vlen;
	const char *v;
	uint32_t n;

	assert_int_equal(http_header_end(h, strlen(h)), (long)strlen(h));
	assert_int_equal(http_header_end(h, strlen(h) - 1), -1);
	v = http_header_value(h, strlen(h), "content-length", &vlen);
	assert_int_equal(http_parse_u32(v, vlen, &n), 0);
	assert_int_equal(n, 42);
	v = http_header_value(h, strlen(h), "Connection", &vlen);
	assert_true(http_value_is(v, vlen, "Keep-Alive"));
	assert_null(http_header_value(h, strlen(h), "Host", &vlen));
	assert_int_equal(http_parse_u32("1234567890", 10, &n), -1);
}

static void test_ipv4(void **state)
{
	static const char *const bad[] = {
		"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "1.2.3.4/",
		"1..3.4", "a.b.c.d", "1.2.3.4 ", "0001.2.3.4", "1.2.3.4/24/1",
		"1.2.3.-4",
	};
	uint32_t a = 0;
	unsigned p = 24;

	assert_int_equal(ipv4_parse("198.19.0.10", 11, &a, &p), 0);
	assert_int_equal(a, 0xc613000a);
	assert_int_equal(p, 24);
	assert_int_equal(ipv4_parse("10.0.0.1/8", 10, &a, &p), 0);
	assert_int_equal(a, 0x0a000001);
	assert_int_equal(p, 8);
	assert_int_equal(ipv4_parse("10.0.0.1/8", 10, &a, NULL), -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ipv4_parse(bad[i], strlen(bad[i]), &a, &p) == 0)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(ipv4_netmask(24), 0xffffff00);
	assert_int_equal(ipv4_netmask(0), 0);
	assert_int_equal(ipv4_netmask(32), 0xffffffff);
	assert_int_equal(ipv4_netmask(1), 0x80000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_keepalive),
		cmocka_unit_test(test_connection_header),
		cmocka_unit_test(test_incomplete_and_too_long),
		cmocka_unit_test(test_body_length),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_header_helpers),
		cmocka_unit_test(test_ipv4),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
