/*
 * The SMP shell commands: `cpus` lists every CPU (logical number, APIC
 * id, state, what it is doing, its timer interrupts), and `on CPU
 * COMMAND...` runs any command on another CPU, as taskset does for a
 * process: the command becomes work for that CPU's idle loop, with
 * interrupts on, and the shell waits for it; with a last word `&` it does
 * not wait (the shell and the command then run side by side).  Linux:
 * /sys/devices/system/cpu and lscpu; taskset(1) over sched_setaffinity;
 * the shell's `&`.
 */
#include "kernel/smp.h"
#include "lib/errno.h"
#include "lib/printk.h"
#include "lib/shell.h"
#include "lib/string.h"
#include "lib/vsprintf.h"

#define ON_LINE_MAX 256

static const char *const state_names[] = {
	[CPU_ABSENT] = "absent", [CPU_OFFLINE] = "offline", [CPU_BOOTING] = "booting",
	[CPU_ONLINE] = "online", [CPU_STOPPED] = "stopped", [CPU_CRASHED] = "crashed",
};

static int cmd_cpus(int argc, char **argv)
{
	if (argc != 1)
		return shell_usage();
	console_printf("CPU  APIC id  state     ticks  doing\n");
	for (unsigned cpu = 0; cpu < nr_cpu_ids; cpu++) {
		const struct percpu *p = &per_cpu[cpu];

		console_printf("%3u  %7u  %-8s %6llu  %s%s%s\n", cpu, p->apic_id,
			       state_names[p->state], (unsigned long long)p->ticks,
			       p->doing ? p->doing : "-", p->bsp ? " (bootstrap processor)" : "",
			       cpu == smp_processor_id() ? " (this CPU)" : "");
	}
	return 0;
}
SHELL_COMMAND(cpus, "", "list the CPUs: logical number, APIC id, state, what each is doing",
	      cmd_cpus);

static int run_line(void *line)
{
	return shell_execute(line);
}

/* argv[from..] back into one line, quoting words that hold blanks. */
static int join(char *line, size_t size, int argc, char **argv, int from)
{
	size_t len = 0;

	for (int i = from; i < argc; i++) {
		bool quote = strchr(argv[i], ' ') != NULL;
		int n = ksnprintf(line + len, size - len, "%s%s%s%s", len ? " " : "",
				  quote ? "\"" : "", argv[i], quote ? "\"" : "");

		if (n < 0 || (size_t)n >= size - len)
			return -E_2BIG;
		len += (size_t)n;
	}
	return 0;
}

/* A command left running in the background: its line lives here until it
 * ends (busy says so). */
static char bg_line[NR_CPUS][ON_LINE_MAX];
static char bg_what[NR_CPUS][ON_LINE_MAX + 8];
static volatile bool bg_busy[NR_CPUS];

static int run_background(void *arg)
{
	unsigned cpu = smp_processor_id();
	int err = shell_execute(arg);

	bg_busy[cpu] = false;
	return err;
}

static int on_background(unsigned cpu, int argc, char **argv)
{
	int err;

	if (bg_busy[cpu] || per_cpu[cpu].doing == NULL || strcmp(per_cpu[cpu].doing, "idle") != 0)
		return shell_error(-E_BUSY, "CPU %u is busy: %s", cpu,
				   per_cpu[cpu].doing ? per_cpu[cpu].doing : "?");
	if (join(bg_line[cpu], sizeof(bg_line[cpu]), argc - 1, argv, 2))
		return shell_error(-E_2BIG, "the command is longer than %d bytes", ON_LINE_MAX - 1);
	ksnprintf(bg_what[cpu], sizeof(bg_what[cpu]), "on: %s &", bg_line[cpu]);
	/* Said first: the command splits its line in place once it runs. */
	console_printf("on: CPU %u runs '%s' in the background\n", cpu, bg_line[cpu]);
	bg_busy[cpu] = true;
	err = smp_call_on_cpu_nowait(cpu, run_background, bg_line[cpu], bg_what[cpu]);
	if (err) {
		bg_busy[cpu] = false;
		return shell_error(err, "CPU %u did not take the command within %d ms", cpu,
				   SMP_CALL_TIMEOUT_MS);
	}
	return 0;
}

static int cmd_on(int argc, char **argv)
{
	char line[ON_LINE_MAX], what[ON_LINE_MAX + 8];
	uint64_t cpu;
	int err;

	if (argc < 3)
		return shell_usage();
	if (parse_u64(argv[1], &cpu, false) || cpu >= nr_cpu_ids)
		return shell_error(-E_RANGE, "no CPU '%s' (see cpus)", argv[1]);
	if (!cpu_online((unsigned)cpu))
		return shell_error(-E_RANGE, "CPU %u is not online (see cpus)", (unsigned)cpu);
	if (strcmp(argv[argc - 1], "&") == 0) {
		if (argc < 4 || cpu == smp_processor_id())
			return shell_error(-E_INVAL, "'&' needs a command and another CPU");
		return on_background((unsigned)cpu, argc, argv);
	}
	if (join(line, sizeof(line), argc, argv, 2))
		return shell_error(-E_2BIG, "the command is longer than %d bytes", ON_LINE_MAX - 1);
	ksnprintf(what, sizeof(what), "on: %s", line);
	err = smp_call_on_cpu((unsigned)cpu, run_line, line, what);
	if (err == -E_TIMEDOUT)
		return shell_error(err, "CPU %u did not take the command within %d ms",
				   (unsigned)cpu, SMP_CALL_TIMEOUT_MS);
	if (err < 0)
		shell_mark_reported();	/* the command said why */
	return err;
}
SHELL_COMMAND(on, "CPU COMMAND... [&]",
	      "run COMMAND on CPU (like taskset), or with & in the background; 'cpus' lists them",
	      cmd_on);
