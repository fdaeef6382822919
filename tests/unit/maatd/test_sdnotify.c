/* test_sdnotify.c - maatd's systemd notifications (src/maatd/sdnotify.c): READY, STOPPING
 * and RELOADING reach a datagram socket named by $NOTIFY_SOCKET, as systemd's would. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sdnotify.h"
#include "testutil.h"

struct notify_sock {
    char *dir;
    char path[108];
    int fd;
};

static void sock_open(struct notify_sock *s)
{
    s->dir = tu_tempdir();
    assert_non_null(s->dir);
    snprintf(s->path, sizeof s->path, "%s/notify", s->dir);
    s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(s->fd >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", s->path);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(setenv("NOTIFY_SOCKET", s->path, 1), 0);
}

static void sock_close(struct notify_sock *s)
{
    unsetenv("NOTIFY_SOCKET");
    close(s->fd);
    unlink(s->path);
    rmdir(s->dir);
    free(s->dir);
}

/* The next datagram (waits at most 2 s), NUL-terminated in buf. */
static void sock_recv(struct notify_sock *s, char *buf, size_t size)
{
    struct pollfd p = {.fd = s->fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 2000), 1);
    ssize_t n = recv(s->fd, buf, size - 1, 0);
    assert_true(n > 0);
    buf[n] = '\0';
}

static void skip_without_libsystemd(void)
{
    if (strcmp(maatd_notify_backend(), "libsystemd") != 0) {
        fprintf(stderr, "SKIPPED: maatd built without libsystemd: sd_notify is a no-op\n");
        skip();
    }
}

/* Regression: maatd under Type=notify must tell systemd it is ready, then stopping. */
static void test_sdnotify_ready_then_stopping_reach_notify_socket(void **state)
{
    (void)state;
    skip_without_libsystemd();
    struct notify_sock s;
    sock_open(&s);
    char buf[256];
    assert_int_equal(maatd_notify_ready(), 1);
    sock_recv(&s, buf, sizeof buf);
    assert_non_null(strstr(buf, "READY=1"));
    /* NOTIFY_SOCKET stays set: STOPPING can follow READY. */
    assert_non_null(getenv("NOTIFY_SOCKET"));
    assert_int_equal(maatd_notify_reloading(), 1);
    sock_recv(&s, buf, sizeof buf);
    assert_non_null(strstr(buf, "RELOADING=1"));
    assert_int_equal(maatd_notify_stopping(), 1);
    sock_recv(&s, buf, sizeof buf);
    assert_non_null(strstr(buf, "STOPPING=1"));
    assert_null(strstr(buf, "READY=1"));
    sock_close(&s);
}

/* Not started by systemd: nothing to notify, not an error. */
static void test_sdnotify_without_notify_socket_is_noop(void **state)
{
    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(maatd_notify_ready(), 0);
    assert_int_equal(maatd_notify_stopping(), 0);
    assert_int_equal(maatd_notify_reloading(), 0);
}

/* A socket that is not there is reported (-1), never ignored as "not under systemd". */
static void test_sdnotify_missing_socket_is_error(void **state)
{
    (void)state;
    skip_without_libsystemd();
    char *dir = tu_tempdir();
    assert_non_null(dir);
    char path[256];
    snprintf(path, sizeof path, "%s/absent", dir);
    assert_int_equal(setenv("NOTIFY_SOCKET", path, 1), 0);
    assert_int_equal(maatd_notify_ready(), -1);
    unsetenv("NOTIFY_SOCKET");
    rmdir(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sdnotify_ready_then_stopping_reach_notify_socket),
        cmocka_unit_test(test_sdnotify_without_notify_socket_is_noop),
        cmocka_unit_test(test_sdnotify_missing_socket_is_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
