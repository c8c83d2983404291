/*
 * printk: formatted kernel messages with a level, a boot-relative
 * timestamp, stored in the log ring and echoed to the consoles.  Same
 * levels and KERN_* prefixes as Linux (include/linux/kern_levels.h).
 * Convention: every message is "tag: text" and ends with a newline.
 */
#ifndef LIB_PRINTK_H
#define LIB_PRINTK_H

#include "lib/logring.h"
#include "lib/types.h"

#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ALERT KERN_SOH "1"
#define KERN_CRIT KERN_SOH "2"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"

#define LOGLEVEL_DEFAULT 6	/* level of a message without a KERN_ prefix */
#define LOGLEVEL_DEBUG 7	/* the highest (least severe) level */

/*
 * Log a message: an optional KERN_<LEVEL> prefix, then "tag: message\n".
 * Text up to a newline is one record in the log ring; a record whose level
 * is below console_loglevel is also printed on the console.  A message
 * longer than LOG_TEXT_MAX is cut and ends in " [cut]".  Returns its length.
 */
int printk(const char *fmt, ...) __printf(1, 2);

#define pr_emerg(fmt, ...) printk(KERN_EMERG fmt, ##__VA_ARGS__)
#define pr_alert(fmt, ...) printk(KERN_ALERT fmt, ##__VA_ARGS__)
#define pr_crit(fmt, ...) printk(KERN_CRIT fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...) printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_notice(fmt, ...) printk(KERN_NOTICE fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) printk(KERN_DEBUG fmt, ##__VA_ARGS__)

/* Messages with level < this go to the consoles (all go to the ring). */
extern int console_loglevel;

/* The ring itself, and its storage (sizes documented in kernel/README.md). */
extern struct logring kernel_log;
#define LOG_BUF_LEN (128 * 1024)
extern char log_buf[LOG_BUF_LEN];

/* Print the ring's records of level <= max_level (LOGLEVEL_DEBUG: all) to
 * the consoles, "[    1.234567] text" as printk echoes them.  Each record
 * is copied out with interrupts off, so a printk from an interrupt handler
 * cannot change it while it is printed.  The one printer of the ring. */
void dmesg_print(int max_level);

/* Write straight to the consoles, bypassing the ring (panic, shell). */
void console_printf(const char *fmt, ...) __printf(1, 2);

#endif
