/*
 * The kernel log ring: variable-length records in one byte array, oldest
 * dropped when full.  The layout is an interface: the vmcore readers
 * (tools/vmcore, tools/gdb) find it through VMCOREINFO, so it is documented
 * in lib/README.md and must only change together with them.  It follows Linux's
 * pre-5.10 printk ring (struct printk_log, log_first_idx, log_next_idx).
 *
 *   buf: [rec][rec][rec]....free....[0-len wrap marker]
 *   rec: struct log_record header (16 bytes), text_len bytes of text (no
 *        newline, no NUL), zero padding up to len (a multiple of 8).
 *   A header whose len is 0 means "wrap: the next record is at offset 0".
 */
#ifndef LIB_LOGRING_H
#define LIB_LOGRING_H

#include "lib/types.h"

struct log_record {
	uint64_t ts_nsec;	/* nanoseconds since boot */
	uint16_t len;		/* whole record, header and padding included */
	uint16_t text_len;	/* bytes of text following the header */
	uint8_t level;		/* 0 (emergency) .. 7 (debug), as Linux */
	uint8_t flags;		/* reserved, 0 */
	uint16_t reserved;
};
_Static_assert(sizeof(struct log_record) == 16, "log_record layout is an ABI");

#define LOG_ALIGN 8
#define LOG_TEXT_MAX 1024	/* longer messages are cut, and say so */

struct logring {
	char *buf;		/* the byte array */
	uint32_t buf_len;	/* its size, a multiple of LOG_ALIGN */
	uint32_t first_idx;	/* offset of the oldest record */
	uint32_t next_idx;	/* offset where the next record goes */
	uint64_t first_seq;	/* sequence number of the oldest record */
	uint64_t next_seq;	/* sequence number the next record gets */
};

/* Start an empty ring over buf (buf_len rounded down to LOG_ALIGN). */
void logring_init(struct logring *r, char *buf, uint32_t buf_len);

/* Append one record, dropping the oldest as needed.  Never fails. */
void logring_append(struct logring *r, uint64_t ts_nsec, int level,
		    const char *text, size_t text_len);

/*
 * Read the record with sequence number *seq (or the oldest still present if
 * *seq is older); on success copy its header to *rec, a pointer to its text
 * to *text, set *seq to the next sequence number and return true.
 */
bool logring_read(const struct logring *r, uint64_t *seq,
		  struct log_record *rec, const char **text);

#endif
