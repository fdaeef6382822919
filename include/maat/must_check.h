/* must_check.h - MAAT_MUST_CHECK: the compiler warns (an error under -Werror) when a caller
 * ignores the status a function returns (int 0 / -1, or a verdict such as 1/0/-1). */
#ifndef MAAT_MUST_CHECK_H
#define MAAT_MUST_CHECK_H

#if defined(__GNUC__) || defined(__clang__)
#define MAAT_MUST_CHECK __attribute__((warn_unused_result))
#else
#define MAAT_MUST_CHECK
#endif

#endif
