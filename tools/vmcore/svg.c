/*
 * Drawing the memory layout as SVG.  Addresses run down the page; each
 * lane is one source (firmware map, iomem by depth, crash segments, the
 * vmcore).  A 4 KiB range and a 12 GiB one must both be readable, so the
 * vertical scale is not linear: every span between two neighbouring
 * boundaries gets a height that grows with the logarithm of its size, and
 * spans where nothing exists are cut short; the picture says so in words.
 * Text is monospace so label widths are known without measuring fonts.
 */
#include "layout.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FONT 11			/* px, labels and axis */
#define CHAR_W 6.7		/* DejaVu Sans Mono advance at 11 px, rounded up */
#define LINE 13
#define H_MIN 32		/* a span of up to 64 KiB: room for two label lines */
#define H_PER_DOUBLING 11	/* more for each doubling above 64 KiB */
#define H_GAP 36		/* a span with nothing in it, whatever its size */
#define MARGIN 20
#define LANE_GAP 10
#define LEGEND_ROW 20

static const char *const colour[RK_COUNT] = {
	[RK_RAM] = "#b5e3a0", [RK_RESERVED] = "#cfcfcf", [RK_ACPI] = "#f9d27a",
	[RK_NVS] = "#e9a765", [RK_UNUSABLE] = "#f19c9c", [RK_KERNEL] = "#8fb3ea",
	[RK_MBI] = "#c9a7eb", [RK_MODULE] = "#93d8cf", [RK_CRASH] = "#f08a8a",
	[RK_SEGMENT] = "#f6b6d9", [RK_DUMPED] = "#a9d0f5", [RK_IMAGE] = "#7aa6de",
	[RK_EXCLUDED] = "url(#excluded)", [RK_OTHER] = "#eeee99",
};

static const char *const kind_text[RK_COUNT] = {
	[RK_RAM] = "RAM: e820 usable, iomem System RAM",
	[RK_RESERVED] = "reserved (firmware, devices)",
	[RK_ACPI] = "ACPI tables (reclaimable)",
	[RK_NVS] = "ACPI non-volatile storage",
	[RK_UNUSABLE] = "unusable (bad RAM)",
	[RK_KERNEL] = "kernel: code, rodata, data, bss",
	[RK_MBI] = "boot information (MBI or boot_params)",
	[RK_MODULE] = "boot module (named by its path)",
	[RK_CRASH] = "crash kernel window (crashkernel=)",
	[RK_SEGMENT] = "crash image segment (kexec -p)",
	[RK_DUMPED] = "in the vmcore: RAM PT_LOAD",
	[RK_IMAGE] = "in the vmcore: kernel image PT_LOAD",
	[RK_EXCLUDED] = "RAM left out of the vmcore",
	[RK_OTHER] = "other iomem resource",
};

static const char GAP_TEXT[] = "gap: nothing at these addresses (cut short)";

const char *region_kind_text(enum region_kind kind)
{
	return kind < RK_COUNT ? kind_text[kind] : "?";
}

/* The picture's geometry, worked out before anything is written. */
struct geometry {
	uint64_t *bound;	/* sorted distinct region edges */
	unsigned nb;
	double *y;		/* y of each boundary */
	bool *filled;		/* span i (bound[i], bound[i + 1]) has a region */
	double lane_x[LAYOUT_MAX_LANES], lane_w[LAYOUT_MAX_LANES];
	double axis_w, body_top, width, height;
	unsigned legend_cols, legend_rows;
	double legend_w;
	bool used[RK_COUNT];
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double text_w(size_t chars)
{
	return (double)chars * CHAR_W;
}

/* "[0x200000, 0x214f5d) 83.8 KiB": a region's second label line. */
static size_t range_text(char *buf, size_t bufsz, uint64_t start, uint64_t end)
{
	char size[32];

	return (size_t)snprintf(buf, bufsz, "[0x%llx, 0x%llx) %s", (unsigned long long)start,
				(unsigned long long)end, format_size(size, sizeof(size), end - start));
}

static void span_heights(const struct layout *lo, struct geometry *g)
{
	unsigned n = 0;

	g->bound = xcalloc(2 * (size_t)lo->nr + 1, sizeof(*g->bound));
	for (unsigned i = 0; i < lo->nr; i++) {
		g->bound[n++] = lo->regions[i].start;
		g->bound[n++] = lo->regions[i].end;
	}
	qsort(g->bound, n, sizeof(*g->bound), cmp_u64);
	g->nb = 0;
	for (unsigned i = 0; i < n; i++)
		if (g->nb == 0 || g->bound[g->nb - 1] != g->bound[i])
			g->bound[g->nb++] = g->bound[i];
	g->y = xcalloc(g->nb + 1, sizeof(*g->y));
	g->filled = xcalloc(g->nb + 1, sizeof(*g->filled));
	for (unsigned i = 0; i + 1 < g->nb; i++)
		for (unsigned r = 0; r < lo->nr && !g->filled[i]; r++)
			g->filled[i] = lo->regions[r].start <= g->bound[i] &&
				       lo->regions[r].end >= g->bound[i + 1];
	g->y[0] = g->body_top;
	for (unsigned i = 0; i + 1 < g->nb; i++) {
		double size = (double)(g->bound[i + 1] - g->bound[i]);
		double h = H_MIN + H_PER_DOUBLING * log2(1.0 + size / 65536.0);

		g->y[i + 1] = g->y[i] + (g->filled[i] ? floor(h) : H_GAP);
	}
}

/* Widths: the axis, each lane (its widest label or title), the legend. */
static void widths(const struct layout *lo, struct geometry *g)
{
	char buf[128];
	size_t legend_chars = sizeof(GAP_TEXT);
	double x, lanes_w = 0;

	g->axis_w = text_w(18) + 8;
	for (unsigned l = 0; l < lo->nr_lanes; l++) {
		size_t widest = strlen(lo->lane_title[l]);

		for (unsigned i = 0; i < lo->nr; i++) {
			const struct region *r = &lo->regions[i];
			size_t len = range_text(buf, sizeof(buf), r->start, r->end);

			if (r->lane != l)
				continue;
			widest = len > widest ? len : widest;
			widest = strlen(r->name) > widest ? strlen(r->name) : widest;
		}
		g->lane_w[l] = text_w(widest) + 14;
		lanes_w += g->lane_w[l] + LANE_GAP;
	}
	x = MARGIN + g->axis_w + LANE_GAP;
	for (unsigned l = 0; l < lo->nr_lanes; l++) {
		g->lane_x[l] = x;
		x += g->lane_w[l] + LANE_GAP;
	}
	g->width = MARGIN + g->axis_w + LANE_GAP + lanes_w + MARGIN;
	for (unsigned k = 0; k < RK_COUNT; k++)
		if (g->used[k] && strlen(kind_text[k]) > legend_chars)
			legend_chars = strlen(kind_text[k]);
	g->legend_w = text_w(legend_chars) + 40;
	if (g->width < 2 * MARGIN + 3 * g->legend_w)
		g->width = 2 * MARGIN + 3 * g->legend_w;
	/* The scale note is the longest line of the header. */
	if (g->width < 2 * MARGIN + text_w(112))
		g->width = 2 * MARGIN + text_w(112);
	g->legend_cols = (unsigned)((g->width - 2 * MARGIN) / g->legend_w);
}

/* Text with XML's special characters escaped (names are printable ASCII). */
static void put_text(FILE *f, double x, double y, const char *attrs, const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" %s>", x, y, attrs);
	for (const char *c = text; *c; c++) {
		switch (*c) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*c >= 0x20 && *c < 0x7f ? *c : '?', f);
		}
	}
	fputs("</text>\n", f);
}

static void header(FILE *f, const struct layout *lo, const char *source,
		   const struct geometry *g)
{
	char line[400];
	unsigned item = 0;

	snprintf(line, sizeof(line), "Physical memory of the crashed kernel: %s", source);
	put_text(f, MARGIN, MARGIN + 16, "font-size=\"16\" font-weight=\"bold\"", line);
	put_text(f, MARGIN, MARGIN + 36, "", lo->title);
	put_text(f, MARGIN, MARGIN + 56, "font-weight=\"bold\" fill=\"#b00000\"",
		 "NOT TO SCALE: a span's height grows with the logarithm of its size "
		 "(32 px up to 64 KiB, +11 px per doubling);");
	put_text(f, MARGIN, MARGIN + 70, "font-weight=\"bold\" fill=\"#b00000\"",
		 "empty spans are cut to 36 px. Sizes are in the labels; addresses are "
		 "physical, ranges half-open [start, end).");
	for (unsigned k = 0; k <= RK_COUNT; k++) {
		double x, y;

		if (k < RK_COUNT && !g->used[k])
			continue;
		x = MARGIN + (item % g->legend_cols) * g->legend_w;
		y = MARGIN + 86 + (item / g->legend_cols) * LEGEND_ROW;
		item++;
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"26\" height=\"14\" fill=\"%s\" "
			"stroke=\"#333\"/>\n", x, y, k < RK_COUNT ? colour[k] : "url(#gap)");
		put_text(f, x + 32, y + 11, "", k < RK_COUNT ? kind_text[k] : GAP_TEXT);
	}
}

/* A band across every lane for a span with nothing in it. */
static void gap_band(FILE *f, const struct geometry *g, unsigned i)
{
	double x0 = MARGIN + g->axis_w + LANE_GAP, x1 = g->width - MARGIN;
	double y0 = g->y[i], y1 = g->y[i + 1];
	char text[160], size[32];

	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"url(#gap)\"/>\n",
		x0, y0 + 4, x1 - x0, y1 - y0 - 8);
	fprintf(f, "<polyline fill=\"none\" stroke=\"#777\" points=\"");
	for (double x = x0; x < x1; x += 12)	/* the zigzag of a cut */
		fprintf(f, "%.1f,%.1f %.1f,%.1f ", x, y0 + 4, x + 6, y0 + 8);
	fprintf(f, "\"/>\n");
	snprintf(text, sizeof(text), "gap [0x%llx, 0x%llx) %s: nothing here, cut short",
		 (unsigned long long)g->bound[i], (unsigned long long)g->bound[i + 1],
		 format_size(size, sizeof(size), g->bound[i + 1] - g->bound[i]));
	put_text(f, x0 + 8, (y0 + y1) / 2 + 4, "font-style=\"italic\" fill=\"#444\"", text);
}

static double y_of(const struct geometry *g, uint64_t addr)
{
	unsigned lo = 0, hi = g->nb;

	while (lo + 1 < hi) {	/* addr is always one of the boundaries */
		unsigned mid = (lo + hi) / 2;

		if (g->bound[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	return g->y[lo];
}

static void region(FILE *f, const struct geometry *g, const struct region *r)
{
	double x = g->lane_x[r->lane], w = g->lane_w[r->lane];
	double y0 = y_of(g, r->start), y1 = y_of(g, r->end), cy = (y0 + y1) / 2;
	char range[128];

	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
		"stroke=\"#333\"/>\n", x, y0, w, y1 - y0, colour[r->kind]);
	range_text(range, sizeof(range), r->start, r->end);
	put_text(f, x + 6, cy - 2, "font-weight=\"bold\" class=\"l\"", r->name);
	put_text(f, x + 6, cy + LINE - 2, "class=\"l\"", range);
}

static void body(FILE *f, const struct layout *lo, struct geometry *g)
{
	double top = g->body_top - 8;

	for (unsigned l = 0; l < lo->nr_lanes; l++) {
		put_text(f, g->lane_x[l], top, "font-weight=\"bold\"", lo->lane_title[l]);
		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			"fill=\"#f7f7f7\"/>\n", g->lane_x[l], g->body_top, g->lane_w[l],
			g->y[g->nb - 1] - g->body_top);
	}
	put_text(f, MARGIN, top, "font-weight=\"bold\"", "physical address");
	for (unsigned i = 0; i + 1 < g->nb; i++)
		if (!g->filled[i])
			gap_band(f, g, i);
	for (unsigned i = 0; i < g->nb; i++) {
		char addr[24];

		snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)g->bound[i]);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#bbb\" "
			"stroke-dasharray=\"3,3\"/>\n", MARGIN + g->axis_w - 4, g->y[i],
			g->width - MARGIN, g->y[i]);
		put_text(f, MARGIN + g->axis_w - 8, g->y[i] + 4, "text-anchor=\"end\"", addr);
	}
	for (unsigned i = 0; i < lo->nr; i++)
		region(f, g, &lo->regions[i]);
}

void layout_svg(const struct layout *lo, const char *source, FILE *out, unsigned *width,
		unsigned *height)
{
	struct geometry g = { 0 };

	unsigned items = 1;	/* the legend: each kind drawn, and the gap */

	if (lo->nr == 0)
		die("memmap: nothing to draw");
	for (unsigned i = 0; i < lo->nr; i++)
		g.used[lo->regions[i].kind] = true;
	for (unsigned k = 0; k < RK_COUNT; k++)
		items += g.used[k];
	/* Left to right (widths, then the legend's rows), then top to bottom. */
	widths(lo, &g);
	g.legend_rows = (items + g.legend_cols - 1) / g.legend_cols;
	g.body_top = MARGIN + 86 + g.legend_rows * LEGEND_ROW + 30;
	span_heights(lo, &g);
	g.height = g.y[g.nb - 1] + MARGIN;
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
		"viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans Mono, monospace\" "
		"font-size=\"%d\">\n", g.width, g.height, g.width, g.height, FONT);
	fprintf(out, "<defs>\n"
		"<pattern id=\"excluded\" patternUnits=\"userSpaceOnUse\" width=\"8\" height=\"8\">"
		"<rect width=\"8\" height=\"8\" fill=\"#fff\"/>"
		"<path d=\"M0,8 L8,0\" stroke=\"#d04040\" stroke-width=\"1.5\"/></pattern>\n"
		"<pattern id=\"gap\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\">"
		"<rect width=\"6\" height=\"6\" fill=\"#fff\"/>"
		"<circle cx=\"3\" cy=\"3\" r=\"0.8\" fill=\"#aaa\"/></pattern>\n"
		"<style>.l { paint-order: stroke; stroke: #fff; stroke-width: 3px; "
		"stroke-linejoin: round; }</style>\n</defs>\n");
	fprintf(out, "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n");
	header(out, lo, source, &g);
	body(out, lo, &g);
	fprintf(out, "</svg>\n");
	*width = (unsigned)g.width;
	*height = (unsigned)g.height;
	free(g.y);
	free(g.filled);
	free(g.bound);
}
