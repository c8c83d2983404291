/*
 * Fuzz target: the host tool on untrusted files (tools/vmcore/): each
 * input is written to a file and read by `vmcore-inspect info`, `dmesg`
 * and `read` of a physical address, as a user would run them on a vmcore
 * from elsewhere.  The tool refuses bad files with die(); here die_hook
 * jumps back, and the descriptors the run left open on the file are
 * closed.  Seeds: the headers of a real vmcore (made at test time) and
 * the inspector's own corrupt-file cases.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "tests/fuzz/fuzz.h"
#include "tools/vmcore/commands.h"
#include "tools/vmcore/util.h"

static jmp_buf back;

/* The tool's main() (vmcore-inspect.c, not linked here) prints usage;
 * a target never passes wrong arguments, but the commands name it. */
void usage_of(const char *command)
{
	die("usage of %s", command);
	abort();
}
static char path[64];

static void jump_back(void)
{
	longjmp(back, 1);
}

/* Close what a refused run left open on our file (found by its name). */
static void close_leftovers(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char link[64], target[128];

	if (!d)
		return;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0 && (target[n] = '\0', strcmp(target, path) == 0))
			close(fd);
	}
	closedir(d);
}

static void run(int argc, char **argv, int (*cmd)(int, char **))
{
	if (setjmp(back) == 0)
		cmd(argc, argv);
	close_leftovers();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *info[] = { path, NULL }, *rd[] = { path, "0x1000", "64", NULL };
	int fd;

	if (!path[0]) {
		snprintf(path, sizeof(path), "/tmp/fuzz-vmcore-%d", (int)getpid());
		die_hook = jump_back;
		freopen("/dev/null", "w", stdout);	/* what the tool prints: not ours to read */
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	close(fd);
	run(1, info, cmd_info);
	run(1, info, cmd_dmesg);
	run(3, rd, cmd_read);
	return 0;
}
