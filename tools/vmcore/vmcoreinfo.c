/*
 * Looking up VMCOREINFO keys.  The text is short (a page at most), so each
 * lookup walks it from the start; the first line with a key wins, as in
 * the kernel's own vmcoreinfo_get.  A key the reader needs and does not
 * find is an error that names the key: a learner can then see which
 * VMCOREINFO_* line the kernel should have written.
 */
#include "vmcoreinfo.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

bool kv_next(const char *text, size_t size, size_t *pos, const char **key, size_t *keylen,
	     const char **val, size_t *vallen)
{
	size_t start = *pos, end, eq;

	/* Some writers pad the text with NULs: treat the first NUL as its end. */
	if (start >= size || text[start] == '\0')
		return false;
	for (end = start; end < size && text[end] != '\n' && text[end] != '\0'; end++)
		;
	for (eq = start; eq < end && text[eq] != '='; eq++)
		;
	*key = text + start;
	*keylen = eq - start;
	*val = eq < end ? text + eq + 1 : text + end;
	*vallen = eq < end ? end - eq - 1 : 0;
	*pos = end < size && text[end] == '\n' ? end + 1 : end;
	return true;
}

bool kv_value(const char *text, size_t size, const char *key, char *val, size_t valsz)
{
	const char *k, *v;
	size_t pos = 0, klen, vlen, want = strlen(key);

	while (kv_next(text, size, &pos, &k, &klen, &v, &vlen)) {
		if (klen == want && memcmp(k, key, want) == 0) {
			snprintf(val, valsz, "%.*s", (int)vlen, v);
			return true;
		}
	}
	return false;
}

bool vmcoreinfo_next(const struct vmcore *vc, size_t *pos, const char **key, size_t *keylen,
		     const char **val, size_t *vallen)
{
	return kv_next(vc->vmcoreinfo, vc->vmcoreinfo_size, pos, key, keylen, val, vallen);
}

bool vmcoreinfo_value(const struct vmcore *vc, const char *key, char *val, size_t valsz)
{
	return kv_value(vc->vmcoreinfo, vc->vmcoreinfo_size, key, val, valsz);
}

bool vmcoreinfo_number_opt(const struct vmcore *vc, const char *key, uint64_t *num)
{
	char val[64];

	if (!vmcoreinfo_value(vc, key, val, sizeof(val)))
		return false;
	if (!parse_u64(val, num))
		die("VMCOREINFO %s=%s is not a number", key, val);
	return true;
}

bool vmcore_is_linux(const struct vmcore *vc)
{
	char val[64];

	return vmcoreinfo_value(vc, "SYMBOL(init_uts_ns)", val, sizeof(val));
}

uint64_t vmcoreinfo_number(const struct vmcore *vc, const char *key, const char *what)
{
	uint64_t num;

	if (vmcore_is_linux(vc) && !vmcoreinfo_number_opt(vc, key, &num))
		die("%s: a Linux vmcore: its VMCOREINFO has no %s (needed for %s, a kexec-kernel "
		    "structure); read Linux dumps with makedumpfile --dump-dmesg, crash or drgn",
		    vc->path, key, what);
	if (!vmcoreinfo_number_opt(vc, key, &num))
		die("%s: VMCOREINFO lacks %s (needed for %s)", vc->path, key, what);
	return num;
}

/* "PREFIX(arg)" into buf, then the required lookup. */
static uint64_t wrapped(const struct vmcore *vc, const char *prefix, const char *arg,
			const char *what)
{
	char key[128];

	snprintf(key, sizeof(key), "%s(%s)", prefix, arg);
	return vmcoreinfo_number(vc, key, what);
}

uint64_t vmcoreinfo_symbol(const struct vmcore *vc, const char *name, const char *what)
{
	return wrapped(vc, "SYMBOL", name, what);
}

uint64_t vmcoreinfo_size(const struct vmcore *vc, const char *type, const char *what)
{
	return wrapped(vc, "SIZE", type, what);
}

uint64_t vmcoreinfo_offset(const struct vmcore *vc, const char *type_field, const char *what)
{
	return wrapped(vc, "OFFSET", type_field, what);
}

uint64_t vmcoreinfo_named_number(const struct vmcore *vc, const char *name, const char *what)
{
	return wrapped(vc, "NUMBER", name, what);
}
