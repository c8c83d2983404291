/*
 * "memmap VMCORE [-o FILE.svg] [--no-png]": where everything was in the
 * crashed kernel's physical memory.  Without -o, the layout as text;
 * with -o, a picture (svg.c) and, when a converter is installed
 * (rsvg-convert from librsvg2-bin, or ImageMagick's convert), the same
 * picture as FILE.png.  A converter that runs but writes no real PNG is
 * treated as absent.
 */
#include "commands.h"
#include "layout.h"
#include "util.h"
#include "vmcore.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Run argv (looked up in PATH), output thrown away; true if it exited 0. */
static bool run_quietly(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int status, err;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	err = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return false;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Does path start with the PNG signature (RFC 2083, 3.1)? */
static bool is_png(const char *path)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char head[8];
	FILE *f = fopen(path, "rb");
	bool ok = f && fread(head, 1, sizeof(head), f) == sizeof(head) &&
		  memcmp(head, sig, sizeof(sig)) == 0;

	if (f)
		fclose(f);
	return ok;
}

static void write_png(const char *svg, const char *png)
{
	char *rsvg[] = { "rsvg-convert", "-o", (char *)png, (char *)svg, NULL };
	char *magick[] = { "convert", (char *)svg, (char *)png, NULL };

	unlink(png);		/* a stale PNG must not pass for a new one */
	if (run_quietly(rsvg) && is_png(png)) {
		printf("memmap: wrote %s (rsvg-convert)\n", png);
		return;
	}
	unlink(png);
	if (run_quietly(magick) && is_png(png)) {
		printf("memmap: wrote %s (ImageMagick convert)\n", png);
		return;
	}
	unlink(png);
	printf("memmap: no PNG: neither rsvg-convert nor ImageMagick's convert produced one "
	       "(install librsvg2-bin); the SVG is complete\n");
}

/* FILE.svg -> FILE.png; any other name gets ".png" appended. */
static char *png_name(const char *svg)
{
	size_t len = strlen(svg);
	char *png = xmalloc(len + 5);

	if (len > 4 && strcmp(svg + len - 4, ".svg") == 0)
		snprintf(png, len + 5, "%.*s.png", (int)(len - 4), svg);
	else
		snprintf(png, len + 5, "%s.png", svg);
	return png;
}

static void write_svg(const struct layout *lo, const char *vmcore, const char *path)
{
	FILE *f = fopen(path, "w");
	unsigned width, height;

	if (!f)
		die("memmap: cannot write %s: %s", path, strerror(errno));
	layout_svg(lo, vmcore, f, &width, &height);
	if (ferror(f) | (fclose(f) != 0))
		die("memmap: writing %s failed: %s", path, strerror(errno));
	printf("memmap: wrote %s (%ux%u px, %u regions in %u lanes; heights not to scale)\n",
	       path, width, height, lo->nr, lo->nr_lanes);
}

int cmd_memmap(int argc, char **argv)
{
	const char *vmcore = NULL, *out = NULL;
	bool png = true;
	struct vmcore vc;
	struct layout lo;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--no-png") == 0)
			png = false;
		else if (argv[i][0] != '-' && !vmcore)
			vmcore = argv[i];
		else
			usage_of("memmap");
	}
	if (!vmcore)
		usage_of("memmap");
	vmcore_open(&vc, vmcore);
	layout_collect(&vc, &lo);
	if (!out) {
		layout_print(&lo, stdout);
	} else {
		write_svg(&lo, vmcore, out);
		if (png) {
			char *png_path = png_name(out);

			fflush(stdout);
			write_png(out, png_path);
			free(png_path);
		}
	}
	layout_free(&lo);
	vmcore_close(&vc);
	return 0;
}
