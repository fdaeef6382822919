/* must_check_ignored_status.c - must NOT compile: it ignores the status of a public function
 * (MAAT_MUST_CHECK). ctest must_check_ignored_status expects the compiler to refuse it
 * for that reason. */
#include "maat/bytes.h"

int main(void);

int main(void)
{
    struct maat_reader r;
    uint8_t v = 0;
    maat_reader_init(&r, "x", 1, "t", NULL);
    maat_read_u8(&r, "v", &v);
    return v;
}
