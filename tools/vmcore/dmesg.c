/*
 * "dmesg VMCORE": the crashed kernel's log, read out of its log ring and
 * printed as dmesg prints it, oldest first, so the panic is at the end.
 * Everything is located through VMCOREINFO: SYMBOL(kernel_log) is the
 * struct logring, OFFSET(logring.*) and OFFSET(log_record.*) its layout
 * (kernel/logring.h documents it).  Linux: makedumpfile --dump-dmesg and
 * crash's "log" walk the pre-5.10 printk ring the same way.
 */
#include "commands.h"
#include "util.h"
#include "vmcore.h"
#include "vmcoreinfo.h"
#include "xlate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_ALIGN 8			/* records start 8-aligned (kernel/logring.h) */
#define LOG_BUF_MAX (64u << 20)		/* a bigger ring is a corrupt header */
#define STRUCT_MAX 4096			/* a bigger SIZE(...) is a corrupt VMCOREINFO */

/* Where each field is, from VMCOREINFO; widths are the ring's ABI. */
struct ring_layout {
	uint64_t ring_size, off_buf, off_buf_len, off_first_idx, off_next_idx;
	uint64_t off_first_seq, off_next_seq;
	uint64_t rec_size, off_ts, off_len, off_text_len;
};

struct ring {
	uint64_t buf_va;
	uint32_t buf_len, first_idx, next_idx;
	uint64_t first_seq, next_seq;
};

static void read_layout(const struct vmcore *vc, struct ring_layout *lo)
{
	const char *why = "the log ring";

	lo->ring_size = vmcoreinfo_size(vc, "logring", why);
	lo->off_buf = vmcoreinfo_offset(vc, "logring.buf", why);
	lo->off_buf_len = vmcoreinfo_offset(vc, "logring.buf_len", why);
	lo->off_first_idx = vmcoreinfo_offset(vc, "logring.first_idx", why);
	lo->off_next_idx = vmcoreinfo_offset(vc, "logring.next_idx", why);
	lo->off_first_seq = vmcoreinfo_offset(vc, "logring.first_seq", why);
	lo->off_next_seq = vmcoreinfo_offset(vc, "logring.next_seq", why);
	lo->rec_size = vmcoreinfo_size(vc, "log_record", why);
	lo->off_ts = vmcoreinfo_offset(vc, "log_record.ts_nsec", why);
	lo->off_len = vmcoreinfo_offset(vc, "log_record.len", why);
	lo->off_text_len = vmcoreinfo_offset(vc, "log_record.text_len", why);
	/* Every field inside its structure, or VMCOREINFO is corrupt. */
	if (lo->ring_size > STRUCT_MAX || lo->off_buf + 8 > lo->ring_size ||
	    lo->off_buf_len + 4 > lo->ring_size || lo->off_first_idx + 4 > lo->ring_size ||
	    lo->off_next_idx + 4 > lo->ring_size || lo->off_first_seq + 8 > lo->ring_size ||
	    lo->off_next_seq + 8 > lo->ring_size)
		die("VMCOREINFO's struct logring layout does not fit its SIZE(logring)=%llu",
		    (unsigned long long)lo->ring_size);
	if (lo->rec_size > 256 || lo->off_ts + 8 > lo->rec_size || lo->off_len + 2 > lo->rec_size ||
	    lo->off_text_len + 2 > lo->rec_size)
		die("VMCOREINFO's struct log_record layout does not fit its SIZE(log_record)=%llu",
		    (unsigned long long)lo->rec_size);
}

/* Little-endian fields of a structure read from the dump. */
static uint64_t get(const uint8_t *p, uint64_t off, unsigned width)
{
	uint64_t v = 0;

	memcpy(&v, p + off, width);	/* x86-64 and the host: both little-endian */
	return v;
}

static void read_ring(const struct vmcore *vc, const struct ring_layout *lo, struct ring *r)
{
	uint64_t va = vmcoreinfo_symbol(vc, "kernel_log", "the log ring");
	uint8_t raw[STRUCT_MAX];

	vmcore_read_virt(vc, va, raw, lo->ring_size, "struct logring kernel_log");
	r->buf_va = get(raw, lo->off_buf, 8);
	r->buf_len = (uint32_t)get(raw, lo->off_buf_len, 4);
	r->first_idx = (uint32_t)get(raw, lo->off_first_idx, 4);
	r->next_idx = (uint32_t)get(raw, lo->off_next_idx, 4);
	r->first_seq = get(raw, lo->off_first_seq, 8);
	r->next_seq = get(raw, lo->off_next_seq, 8);
	if (r->buf_len == 0 || r->buf_len > LOG_BUF_MAX || r->buf_len % LOG_ALIGN ||
	    r->first_idx >= r->buf_len || r->first_idx % LOG_ALIGN || r->next_idx > r->buf_len ||
	    r->first_seq > r->next_seq ||
	    r->next_seq - r->first_seq > r->buf_len / lo->rec_size)
		die("log ring at 0x%llx is corrupt: buf_len %u, first_idx %u, next_idx %u, "
		    "first_seq %llu, next_seq %llu", (unsigned long long)va, r->buf_len,
		    r->first_idx, r->next_idx, (unsigned long long)r->first_seq,
		    (unsigned long long)r->next_seq);
}

/* The text as dmesg shows it: control and non-ASCII bytes as \xNN. */
static void print_text(const uint8_t *text, unsigned len)
{
	for (unsigned i = 0; i < len; i++) {
		if (text[i] >= 0x20 && text[i] < 0x7f)
			putchar(text[i]);
		else if (text[i] == '\t')
			putchar('\t');
		else
			printf("\\x%02x", text[i]);
	}
	putchar('\n');
}

/*
 * Print every record from first_seq to next_seq.  A header that does not
 * fit before the end of the buffer, or has len 0, is the wrap marker: the
 * record is at offset 0 (logring.c's resolve()).
 */
static void walk(const struct ring_layout *lo, const struct ring *r, const uint8_t *buf)
{
	uint32_t idx = r->first_idx;

	for (uint64_t seq = r->first_seq; seq < r->next_seq; seq++) {
		uint64_t ts;
		uint32_t len, text_len;

		if (idx + lo->rec_size > r->buf_len || get(buf + idx, lo->off_len, 2) == 0)
			idx = 0;
		ts = get(buf + idx, lo->off_ts, 8);
		len = (uint32_t)get(buf + idx, lo->off_len, 2);
		text_len = (uint32_t)get(buf + idx, lo->off_text_len, 2);
		if (len < lo->rec_size || len % LOG_ALIGN || idx + len > r->buf_len ||
		    lo->rec_size + text_len > len)
			die("log ring record %llu at offset %u is corrupt: len %u, text_len %u "
			    "(buffer of %u bytes)", (unsigned long long)seq, idx, len, text_len,
			    r->buf_len);
		printf("[%5llu.%06llu] ", (unsigned long long)(ts / 1000000000),
		       (unsigned long long)(ts % 1000000000 / 1000));
		print_text(buf + idx + lo->rec_size, text_len);
		idx += len;
	}
}

int cmd_dmesg(int argc, char **argv)
{
	struct vmcore vc;
	struct ring_layout lo;
	struct ring r;
	uint8_t *buf;

	if (argc != 1)
		usage_of("dmesg");
	vmcore_open(&vc, argv[0]);
	read_layout(&vc, &lo);
	read_ring(&vc, &lo, &r);
	buf = xmalloc(r.buf_len);
	vmcore_read_virt(&vc, r.buf_va, buf, r.buf_len, "the log ring's buffer");
	walk(&lo, &r, buf);
	free(buf);
	vmcore_close(&vc);
	return 0;
}
