/*
 * Error codes.  Functions that can fail return 0 or a negative E_* code;
 * err_name() gives the code's name for log lines such as
 * "kexec: error: segment 2 overlaps segment 1 (E_OVERLAP)".  Linux:
 * include/uapi/asm-generic/errno-base.h (-EINVAL, -ENOMEM, ...).
 */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#include "lib/types.h"

#define E_INVAL   1	/* malformed argument */
#define E_NOMEM   2	/* out of memory */
#define E_RANGE   3	/* value or address out of range */
#define E_NOENT   4	/* no such object */
#define E_BUSY    5	/* resource already in use */
#define E_OVERLAP 6	/* ranges overlap */
#define E_ALIGN   7	/* misaligned address or size */
#define E_2BIG    8	/* too many items or too large */
#define E_NOSPC   9	/* table or buffer full */
#define E_IO      10	/* device error */
#define E_NOEXEC  11	/* not an executable image we understand */
#define E_TRUNC   12	/* input ends too early */
#define E_BADSUM  13	/* checksum or digest mismatch */
#define E_PERM    14	/* not allowed in this state */
#define E_NOTSUP  15	/* valid but not supported */
#define E_TIMEDOUT 16	/* no answer in time */
#define E_MAX     16

/* Name of an error code, positive or negative ("E_INVAL"), or "E_?". */
const char *err_name(int err);

/*
 * For checkers that explain a refusal: format the reason into why (when
 * why is not NULL and whylen > 0) and return err.  Pure parsers define
 *   #define FAIL(err, ...) why_fail(why, whylen, err, __VA_ARGS__)
 * in functions that have why and whylen in scope.
 */
int why_fail(char *why, size_t whylen, int err, const char *fmt, ...) __printf(4, 5);

#endif
