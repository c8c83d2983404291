/*
 * Fuzz target: the kernel command-line parser and the shell's word
 * splitter (lib/cmdline_parse.c).  Whatever parses must print back
 * (cmdline_format_param) to a word that parses to the same parameter.
 * Seeds: real command lines (tests/fuzz/corpus/cmdline/).
 */
#include <stdlib.h>
#include "lib/cmdline.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cmdline cl, again;
	char *text = malloc(size + 1), *argv[16];
	char word[CMDLINE_KEY_MAX + CMDLINE_VALUE_MAX + 8];

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	cmdline_parse(text, &cl);
	for (unsigned i = 0; i < cl.count; i++) {
		long long v;

		cmdline_param_int(&cl.param[i], &v);
		if ((size_t)cmdline_format_param(&cl.param[i], word, sizeof(word)) >= sizeof(word))
			continue;
		/* Round trip: the printed word parses to the same parameter. */
		if (cmdline_parse(word, &again) == 0 &&
		    (again.count != 1 || strcmp(again.param[0].key, cl.param[i].key) ||
		     strcmp(again.param[0].value, cl.param[i].value)))
			abort();
	}
	cmdline_get(&cl, "crashkernel");
	cmdline_split(text, argv, 16);
	free(text);
	return 0;
}
