/* test_claims_jti_no_getpid.c - defect: every token's jti called getpid (a system call per
 * maatd request; strace showed two getpid per request, this one and OpenSSL's). The pid is
 * now read once per thread and again after a fork, so jtis stay unique across a fork: the
 * child, which inherits the parent thread's seed and counter, still mints different ones.
 * Linked with -Wl,--wrap=getpid (CMakeLists.txt) to count libmaat's calls. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "maat/attest.h"
#include "testutil.h"

pid_t __real_getpid(void);
pid_t __wrap_getpid(void);
static int g_getpid_calls;
pid_t __wrap_getpid(void)
{
    g_getpid_calls++;
    return __real_getpid();
}

static void test_claims_jti_reads_the_pid_once(void **state)
{
    (void)state;
    struct maat_error err = {0};
    char jti[65], prev[65] = "";
    assert_int_equal(maat__claims_new_jti(jti, &err), 0); /* this thread's first: may read it */
    int before = g_getpid_calls;
    for (int i = 0; i < 1000; i++) {
        memcpy(prev, jti, sizeof prev);
        assert_int_equal(maat__claims_new_jti(jti, &err), 0);
        assert_string_not_equal(jti, prev);
    }
    assert_int_equal(g_getpid_calls, before); /* before: 1000 */
}

/* After fork, parent and child continue from the same seed and counter: the child's next
 * jti must still differ from the parent's next (the pid is read again in the child). */
static void test_claims_jti_unique_across_fork(void **state)
{
    (void)state;
    struct maat_error err = {0};
    char jti[65], child_jti[65] = "";
    assert_int_equal(maat__claims_new_jti(jti, &err), 0);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c[65];
        int ok = maat__claims_new_jti(c, &err) == 0 && write(fds[1], c, 65) == 65;
        _exit(ok ? 0 : 1);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], child_jti, sizeof child_jti), 65);
    close(fds[0]);
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(maat__claims_new_jti(jti, &err), 0);
    assert_int_equal(strlen(child_jti), 64);
    assert_string_not_equal(jti, child_jti);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_claims_jti_reads_the_pid_once),
        cmocka_unit_test(test_claims_jti_unique_across_fork),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
