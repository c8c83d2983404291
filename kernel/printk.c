/*
 * printk (Linux: kernel/printk/printk.c vprintk_emit).  Formats, splits
 * into lines, stores each line in the log ring with its level and a
 * timestamp, and echoes it to the consoles as "[    1.234567] text".
 * The console lock (kernel/console.c) is held while the ring is updated,
 * interrupts off; no allocation, so it works from exception handlers, NMIs
 * and the panic path.
 */
#include <stdarg.h>
#include "lib/printk.h"
#include "kernel/console.h"
#include "lib/cmdline.h"
#include "lib/cpu.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/time.h"
#include "lib/vsprintf.h"

char log_buf[LOG_BUF_LEN] __attribute__((aligned(8)));
struct logring kernel_log = {
	.buf = log_buf,
	.buf_len = LOG_BUF_LEN,
};
int console_loglevel = 8;	/* everything; "quiet" and "loglevel=" lower it */

#define LOGLEVEL_QUIET 4	/* Linux CONSOLE_LOGLEVEL_QUIET: errors and worse */
#define LOGLEVEL_MAX 8		/* everything shown */

/* A line being assembled across printk calls without a trailing newline. */
static char cont_buf[LOG_TEXT_MAX];
static size_t cont_len;
static int cont_level = LOGLEVEL_DEFAULT;

static void emit_prefix(uint64_t ts_nsec)
{
	char stamp[32];
	int n = ksnprintf(stamp, sizeof(stamp), "[%5llu.%06llu] ",
			  (unsigned long long)(ts_nsec / 1000000000ULL),
			  (unsigned long long)(ts_nsec % 1000000000ULL / 1000));

	console_write(stamp, (size_t)n);
}

static void flush_line(void)
{
	uint64_t ts = ktime_ns();

	logring_append(&kernel_log, ts, cont_level, cont_buf, cont_len);
	if (cont_level < console_loglevel) {
		emit_prefix(ts);
		console_write(cont_buf, cont_len);
		console_write("\n", 1);
	}
	cont_len = 0;
	cont_level = LOGLEVEL_DEFAULT;
}

static void store(const char *s, size_t n, int level)
{
	if (cont_len == 0)
		cont_level = level;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n') {
			flush_line();
			continue;
		}
		if (cont_len < sizeof(cont_buf))
			cont_buf[cont_len++] = s[i];
	}
}

/* A message that did not fit buf: end it with " [cut]" and its newline,
 * so the cut is visible and the next message starts a line of its own. */
static int mark_cut(char *buf, size_t size)
{
	static const char cut[] = " [cut]\n";

	memcpy(buf + size - sizeof(cut), cut, sizeof(cut));
	return (int)size - 1;
}

int printk(const char *fmt, ...)
{
	char buf[LOG_TEXT_MAX];
	int level = LOGLEVEL_DEFAULT;
	va_list ap;
	int n;

	if (fmt[0] == KERN_SOH[0] && fmt[1] >= '0' && fmt[1] <= '7') {
		level = fmt[1] - '0';
		fmt += 2;
	}
	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = mark_cut(buf, sizeof(buf));

	uint64_t state = console_lock();	/* one CPU at a time in the ring */

	store(buf, (size_t)n, level);
	console_unlock(state);
	return n;
}

void console_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = mark_cut(buf, sizeof(buf));
	console_write(buf, (size_t)n);
}

void dmesg_print(int max_level)
{
	static char text[LOG_TEXT_MAX];
	struct log_record rec;
	const char *t;
	uint64_t seq = 0;

	for (;;) {
		/* Copy under the lock: another printk may reuse the slot. */
		uint64_t state = console_lock();
		bool ok = logring_read(&kernel_log, &seq, &rec, &t);

		if (ok)
			memcpy(text, t, rec.text_len);
		console_unlock(state);
		if (!ok)
			break;
		if (rec.level > max_level)
			continue;
		emit_prefix(rec.ts_nsec);
		console_write(text, rec.text_len);
		console_write("\n", 1);
	}
}

/* loglevel=N and quiet (Linux: the early_params of the same names). */
static int apply_loglevel(const struct cmdline_param *p)
{
	long long level;
	int err = cmdline_param_int(p, &level);

	if (err)
		return err;
	if (level < 0 || level > LOGLEVEL_MAX)
		return -E_RANGE;
	console_loglevel = (int)level;
	return 0;
}
CMDLINE_KEY(loglevel, "loglevel=0..8", "console shows messages with level < N (all are logged)",
	    apply_loglevel);

static int apply_quiet(const struct cmdline_param *p)
{
	if (p->has_value)
		return -E_INVAL;
	console_loglevel = LOGLEVEL_QUIET;
	return 0;
}
CMDLINE_KEY(quiet, "quiet", "console shows only errors and worse (loglevel=4)", apply_quiet);
