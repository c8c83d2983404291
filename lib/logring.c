/*
 * Log ring arithmetic (Linux: kernel/printk/printk.c before 5.10, log_store
 * and log_make_free_space).  Pure: no locking, no console; printk.c wraps it.
 */
#include "lib/logring.h"
#include "lib/string.h"

void logring_init(struct logring *r, char *buf, uint32_t buf_len)
{
	r->buf = buf;
	r->buf_len = buf_len & ~(uint32_t)(LOG_ALIGN - 1);
	r->first_idx = r->next_idx = 0;
	r->first_seq = r->next_seq = 0;
}

static struct log_record *rec_at(const struct logring *r, uint32_t idx)
{
	return (struct log_record *)(r->buf + idx);
}

/* Offset of the record at idx, following a wrap marker if there is one. */
static uint32_t resolve(const struct logring *r, uint32_t idx)
{
	if (idx + sizeof(struct log_record) > r->buf_len || rec_at(r, idx)->len == 0)
		return 0;
	return idx;
}

static bool is_empty(const struct logring *r)
{
	return r->first_seq == r->next_seq;
}

static void drop_oldest(struct logring *r)
{
	uint32_t idx = resolve(r, r->first_idx);

	r->first_idx = idx + rec_at(r, idx)->len;
	r->first_seq++;
	if (is_empty(r))
		r->first_idx = r->next_idx = 0;
	else
		r->first_idx = resolve(r, r->first_idx);
}

void logring_append(struct logring *r, uint64_t ts_nsec, int level,
		    const char *text, size_t text_len)
{
	uint32_t hdr = sizeof(struct log_record);
	uint32_t size;

	if (text_len > LOG_TEXT_MAX)
		text_len = LOG_TEXT_MAX;
	if (text_len > r->buf_len / 4)
		text_len = r->buf_len / 4;
	size = ALIGN_UP(hdr + (uint32_t)text_len, LOG_ALIGN);

	/*
	 * Three cases: the ring is empty; the live records are one run
	 * [first, next) so the free space is [next, end) then [0, first); or
	 * they wrap, so the free space is the gap [next, first).
	 */
	for (;;) {
		if (is_empty(r)) {
			r->first_idx = r->next_idx = 0;
			break;
		}
		if (r->next_idx > r->first_idx) {
			if (r->next_idx + size <= r->buf_len)
				break;
			if (r->next_idx + hdr <= r->buf_len)
				rec_at(r, r->next_idx)->len = 0;	/* wrap marker */
			r->next_idx = 0;
			continue;
		}
		if (r->next_idx + size <= r->first_idx)
			break;
		drop_oldest(r);
	}

	struct log_record *rec = rec_at(r, r->next_idx);

	rec->ts_nsec = ts_nsec;
	rec->len = (uint16_t)size;
	rec->text_len = (uint16_t)text_len;
	rec->level = (uint8_t)(level & 7);
	rec->flags = 0;
	rec->reserved = 0;
	memcpy(rec + 1, text, text_len);
	memset((char *)(rec + 1) + text_len, 0, size - hdr - text_len);
	r->next_idx += size;
	r->next_seq++;
}

bool logring_read(const struct logring *r, uint64_t *seq,
		  struct log_record *rec, const char **text)
{
	uint64_t s = r->first_seq;
	uint32_t idx = r->first_idx;

	if (*seq >= r->next_seq)
		return false;
	/* Walk from the oldest record; the ring is small, this is only dmesg. */
	for (; s < r->next_seq; s++) {
		idx = resolve(r, idx);
		if (s >= *seq)
			break;
		idx += rec_at(r, idx)->len;
	}
	*rec = *rec_at(r, idx);
	*text = (const char *)(rec_at(r, idx) + 1);
	*seq = s + 1;
	return true;
}
