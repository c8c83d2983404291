/*
 * One line of a hex dump, in the layout of `hexdump -C` with a physical or
 * file address in front: the one formatter behind the shell's `xd`, the
 * `disk read` sector dump and vmcore-inspect's `read`.
 *
 *   0000000000223040: 00 10 2a 80 ff ff ff ff  00 00 02 00 00 00 00 00  |..*.............|
 *
 * Freestanding and self-contained (no printf), so the host tools link it
 * as it is.  Linux: hex_dump_to_buffer() in lib/hexdump.c.
 */
#ifndef LIB_HEXDUMP_H
#define LIB_HEXDUMP_H

#include "lib/types.h"

#define HEXDUMP_BYTES 16		/* bytes per line */
#define HEXDUMP_ADDR_MAX 16		/* hex digits of the address at most */
/* The longest line, NUL included: address, ": ", 16 x "xx " and the gap,
 * " |", 16 characters, "|". */
#define HEXDUMP_LINE_MAX (HEXDUMP_ADDR_MAX + 2 + 3 * HEXDUMP_BYTES + 1 + 2 + HEXDUMP_BYTES + 1 + 1)

/*
 * Format the n bytes at p (at most 16; a short last line is padded with
 * blanks) as one line starting with addr in addr_digits hex digits (1 to
 * 16, zero-padded).  Bytes outside 0x20-0x7e show as '.' on the right.
 * No newline.  buf gets at most size - 1 characters and a NUL.  Returns
 * the length of the whole line.
 */
size_t hexdump_line(char *buf, size_t size, uint64_t addr, unsigned addr_digits,
		    const uint8_t *p, unsigned n);

#endif
