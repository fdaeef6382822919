/* test_maatd_client_address.c - defect: maatd formatted every request's client address for
 * its log line with getnameinfo + snprintf (~1 us of each request under load, perf). IPv4
 * is now written directly (src/maatd/client_addr.c); the text must stay exactly what
 * getnameinfo gave. Linked with -Wl,--wrap=getnameinfo (CMakeLists.txt) to count calls. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "client_addr.h"
#include "testutil.h"

int __real_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                       char *serv, socklen_t servlen, int flags);
int __wrap_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                       char *serv, socklen_t servlen, int flags);
static int g_calls;
int __wrap_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen,
                       char *serv, socklen_t servlen, int flags)
{
    g_calls++;
    return __real_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
}

/* What maatd wrote before: getnameinfo's numeric host and service, joined. */
static void reference(const struct sockaddr *sa, socklen_t len, char *out, size_t cap)
{
    char host[INET6_ADDRSTRLEN + 1], serv[8];
    snprintf(out, cap, "-");
    if (__real_getnameinfo(sa, len, host, sizeof host, serv, sizeof serv,
                           NI_NUMERICHOST | NI_NUMERICSERV) == 0)
        snprintf(out, cap, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

static void check_v4(uint32_t addr, uint16_t port)
{
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
    in.sin_addr.s_addr = htonl(addr);
    char got[64], want[64];
    reference((const struct sockaddr *)&in, sizeof in, want, sizeof want);
    int before = g_calls;
    maatd_client_address((const struct sockaddr *)&in, got, sizeof got);
    assert_string_equal(got, want);
    assert_int_equal(g_calls, before); /* before: one getnameinfo per request */
}

static void test_maatd_client_address_ipv4_without_getnameinfo(void **state)
{
    (void)state;
    check_v4(0, 0);
    check_v4(0x7f000001, 8080);
    check_v4(0xffffffff, 65535);
    check_v4(0x0a000009, 9);
    check_v4(0x01020304, 10);
    uint64_t rng = 16;
    for (int i = 0; i < 20000; i++) {
        uint64_t r = tu_xorshift(&rng);
        /* small octets and ports too, where the digit count changes */
        uint32_t a = (uint32_t)r;
        if (i % 3 == 0) a &= 0x0f1f3f07;
        check_v4(a, (uint16_t)(i % 2 ? (r >> 32) : (r >> 32) % 1000));
    }
}

/* IPv6 (scope, compression, v4-mapped) still goes through getnameinfo, same text. */
static void test_maatd_client_address_ipv6_and_unknown(void **state)
{
    (void)state;
    const char *addrs[] = {"::1", "fe80::1", "2001:db8::8:800:200c:417a", "::ffff:10.0.0.1", "::"};
    for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++) {
        struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)(443 + i))};
        assert_int_equal(inet_pton(AF_INET6, addrs[i], &in6.sin6_addr), 1);
        char got[64], want[64];
        reference((const struct sockaddr *)&in6, sizeof in6, want, sizeof want);
        maatd_client_address((const struct sockaddr *)&in6, got, sizeof got);
        assert_string_equal(got, want);
        assert_true(got[0] == '[');
    }
    char out[64] = "x";
    maatd_client_address(NULL, out, sizeof out);
    assert_string_equal(out, "-");
    /* a short buffer: truncated like the snprintf it replaced, still terminated */
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(65535)};
    in.sin_addr.s_addr = htonl(0xffffffff);
    char small[8], want[8];
    reference((const struct sockaddr *)&in, sizeof in, want, sizeof want);
    maatd_client_address((const struct sockaddr *)&in, small, sizeof small);
    assert_string_equal(small, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maatd_client_address_ipv4_without_getnameinfo),
        cmocka_unit_test(test_maatd_client_address_ipv6_and_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
