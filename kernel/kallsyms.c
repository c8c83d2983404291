/*
 * Symbol lookup and frame-pointer backtraces.  The build generates sorted
 * arrays of (address, name) from the kernel's own link (tools/
 * gen_kallsyms.py, linked three times, see the Makefile), so an address
 * becomes "name+0xoff/0xsize" by binary search: the symbol is the last one
 * at or below the address, its size the distance to the next one.
 * The shell's "sym" (address <-> name) and "bt" (its own call chain) are
 * here too.  Linux: kernel/kallsyms.c and arch/x86/kernel/dumpstack.c
 * (show_trace_log_lvl).
 */
#include "kernel/kallsyms.h"
#include "boot/addr.h"
#include "kernel/percpu.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

extern const uint32_t kallsyms_num;
extern const uint64_t kallsyms_addresses[];
extern const uint32_t kallsyms_offsets[];
extern const char kallsyms_names[];

static const char *sym_name(uint32_t i)
{
	return &kallsyms_names[kallsyms_offsets[i]];
}

/* Linker markers (_text_start) and NASM local labels (parent.label) make
 * worse names than a plain function name at the same address. */
static int name_rank(const char *name)
{
	if (name[0] == '_')
		return 0;
	return strchr(name, '.') ? 1 : 2;
}

/* End of the image section holding addr, or 0 if it is in none. */
static uint64_t section_end(uint64_t addr)
{
	static const struct { const char *start, *end; } sec[] = {
		{ _text_start, _text_end },
		{ _rodata_start, _rodata_end },
		{ _data_start, _data_end },
		{ _bss_start, _bss_end },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(sec); i++)
		if (addr >= (uint64_t)(uintptr_t)sec[i].start && addr < (uint64_t)(uintptr_t)sec[i].end)
			return (uint64_t)(uintptr_t)sec[i].end;
	return 0;
}

/* Index of the last symbol whose address is <= addr, or -1. */
static int64_t last_at_or_below(uint64_t addr)
{
	int64_t lo = 0, hi = (int64_t)kallsyms_num - 1, found = -1;

	while (lo <= hi) {
		int64_t mid = lo + (hi - lo) / 2;

		if (kallsyms_addresses[mid] <= addr) {
			found = mid;
			lo = mid + 1;
		} else {
			hi = mid - 1;
		}
	}
	return found;
}

/*
 * Code addresses must resolve to code: the symbol's size stops at the end
 * of its section (a function never runs on into .rodata), and an address
 * in the padding after the last symbol of a section belongs to nothing.
 */
const char *kallsyms_lookup(uint64_t addr, uint64_t *offset, uint64_t *size)
{
	uint64_t start, next, end;
	int64_t i, best;

	if (addr < (uint64_t)(uintptr_t)_kernel_start || addr >= (uint64_t)(uintptr_t)_kernel_end)
		return NULL;
	i = last_at_or_below(addr);
	if (i < 0)
		return NULL;
	start = kallsyms_addresses[i];
	best = i;
	for (int64_t j = i - 1; j >= 0 && kallsyms_addresses[j] == start; j--)
		if (name_rank(sym_name(j)) > name_rank(sym_name(best)))
			best = j;
	next = (uint64_t)(uintptr_t)_kernel_end;
	if ((uint64_t)i + 1 < kallsyms_num)
		next = kallsyms_addresses[i + 1];
	end = section_end(start);
	if (end && end < next)
		next = end;
	if (addr >= next)
		return NULL;
	if (offset)
		*offset = addr - start;
	if (size)
		*size = next - start;
	return sym_name(best);
}

uint64_t kallsyms_lookup_name(const char *name)
{
	for (uint32_t i = 0; i < kallsyms_num; i++)
		if (strcmp(sym_name(i), name) == 0)
			return kallsyms_addresses[i];
	return 0;
}

int sprint_symbol(char *buf, size_t size, uint64_t addr)
{
	uint64_t off, sz;
	const char *name = kallsyms_lookup(addr, &off, &sz);

	if (!name)
		return ksnprintf(buf, size, "0x%llx", (unsigned long long)addr);
	return ksnprintf(buf, size, "%s+0x%llx/0x%llx", name, (unsigned long long)off,
			 (unsigned long long)sz);
}

int sprint_backtrace(char *buf, size_t size, uint64_t addr)
{
	uint64_t off, sz;
	const char *name = kallsyms_lookup(addr - 1, &off, &sz);

	if (!name)
		return ksnprintf(buf, size, "0x%llx", (unsigned long long)addr);
	return ksnprintf(buf, size, "%s+0x%llx/0x%llx", name, (unsigned long long)off + 1,
			 (unsigned long long)sz);
}

void print_symbol(const char *prefix, uint64_t addr)
{
	char sym[KSYM_SYMBOL_LEN];

	sprint_symbol(sym, sizeof(sym), addr);
	pr_info("%s%s\n", prefix, sym);
}

static bool is_canonical(uint64_t addr)
{
	return (uint64_t)((int64_t)(addr << 16) >> 16) == addr;
}

static bool is_kernel_text(uint64_t addr)
{
	return addr >= (uint64_t)(uintptr_t)_text_start && addr < (uint64_t)(uintptr_t)_text_end;
}

/*
 * A frame is {saved rbp, return address} at rbp.  Each frame is only read
 * after proving both words lie inside one known kernel stack; within a
 * stack the chain must climb strictly (callers are higher up), which with
 * the depth bound guarantees the walk ends.
 */
unsigned backtrace_collect(uint64_t rbp, uint64_t *addrs, unsigned max, const char **why)
{
	uint64_t lo = 0, hi = 0, prev = 0;
	unsigned n = 0;

	*why = NULL;
	while (rbp != 0) {
		const uint64_t *frame;

		if (n == max) {
			*why = "depth limit reached";
			break;
		}
		if (!is_canonical(rbp) || (rbp & 7)) {
			*why = !is_canonical(rbp) ? "non-canonical frame pointer" : "unaligned frame pointer";
			break;
		}
		if (rbp < lo || hi < 16 || rbp > hi - 16) {
			if (!kernel_stack_bounds(rbp, &lo, &hi) || rbp > hi - 16) {
				*why = "frame pointer outside every kernel stack";
				break;
			}
			prev = 0;	/* another stack: no order with the last one */
		} else if (rbp <= prev) {
			*why = "frame pointer does not move up the stack";
			break;
		}
		frame = (const uint64_t *)(uintptr_t)rbp;
		if (frame[1] == 0)
			break;
		if (!is_kernel_text(frame[1])) {
			*why = "return address outside kernel text";
			break;
		}
		addrs[n++] = frame[1];
		prev = rbp;
		rbp = frame[0];
	}
	return n;
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	uint64_t addrs[BACKTRACE_MAX_DEPTH];
	char sym[KSYM_SYMBOL_LEN];
	const char *why;
	unsigned n = backtrace_collect(rbp, addrs, BACKTRACE_MAX_DEPTH, &why);

	if (rip) {
		sprint_symbol(sym, sizeof(sym), rip);
		pr_emerg(" [<%016llx>] %s\n", (unsigned long long)rip, sym);
	}
	for (unsigned i = 0; i < n; i++) {
		sprint_backtrace(sym, sizeof(sym), addrs[i]);
		pr_emerg(" [<%016llx>] %s\n", (unsigned long long)addrs[i], sym);
	}
	if (why)
		pr_emerg(" (trace stops: %s)\n", why);
}

/* ----------------------------------------------------- shell commands */

static bool all_hex(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f') || (*s >= 'A' && *s <= 'F')))
			return false;
	return true;
}

/*
 * sym ADDR prints "ADDR: name+0xoff/0xsize"; sym NAME prints "NAME: ADDR
 * (size 0x..)".  A word that is a symbol name wins; otherwise it is read
 * as a number (0x.. or decimal), and bare hex as the last resort.
 */
static int cmd_sym(int argc, char **argv)
{
	char sym[KSYM_SYMBOL_LEN];
	uint64_t addr = 0, off, size;

	if (argc != 2)
		return shell_usage();
	addr = kallsyms_lookup_name(argv[1]);
	if (addr) {
		kallsyms_lookup(addr, &off, &size);
		console_printf("%s: 0x%016lx (size 0x%lx)\n", argv[1], addr, size);
		return 0;
	}
	if (parse_u64(argv[1], &addr, false) != 0) {
		char hex[24] = "0x";

		if (!all_hex(argv[1]) || strlen(argv[1]) > 16)
			return shell_error(-E_NOENT, "no symbol '%s'", argv[1]);
		strlcpy(hex + 2, argv[1], sizeof(hex) - 2);
		parse_u64(hex, &addr, false);
	}
	if (!kallsyms_lookup(addr, &off, &size))
		return shell_error(-E_NOENT, "0x%016lx is not in the kernel image", addr);
	sprint_symbol(sym, sizeof(sym), addr);
	console_printf("0x%016lx: %s\n", addr, sym);
	return 0;
}
SHELL_COMMAND(sym, "ADDR|NAME", "kernel address to symbol+offset, or symbol to address", cmd_sym);

/* Console output (not the log): the shell's own frames, innermost first. */
static int cmd_bt(int argc, char **argv)
{
	uint64_t addrs[BACKTRACE_MAX_DEPTH];
	char sym[KSYM_SYMBOL_LEN];
	uint64_t here;
	const char *why;
	unsigned n;

	if (argc != 1)
		return shell_usage();
	__asm__ volatile("leaq 0(%%rip), %0" : "=r"(here));
	n = backtrace_collect((uint64_t)(uintptr_t)__builtin_frame_address(0), addrs,
			      BACKTRACE_MAX_DEPTH, &why);
	console_printf("Call Trace:\n");
	sprint_symbol(sym, sizeof(sym), here);
	console_printf(" [<%016lx>] %s\n", here, sym);
	for (unsigned i = 0; i < n; i++) {
		sprint_backtrace(sym, sizeof(sym), addrs[i]);
		console_printf(" [<%016lx>] %s\n", addrs[i], sym);
	}
	if (why)
		console_printf(" (trace stops: %s)\n", why);
	return 0;
}
SHELL_COMMAND(bt, "", "print the call chain of the shell (frame pointers)", cmd_bt);
