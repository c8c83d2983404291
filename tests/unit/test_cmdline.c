/*
 * Tests of the kernel command-line parser and the shell's word splitter:
 * blanks, quotes, last-one-wins, each kind of malformed word (reported,
 * skipped, parsing goes on), the size limits on both sides of the edge.
 */
#include <stdio.h>
#include <string.h>
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "tests/unit/test.h"

static struct cmdline cl;

/* What the report callback saw. */
static struct {
	int count;
	int err[8];
	char what[8][128];
} rep;

static void record(void *ctx, int err, const char *what)
{
	(void)ctx;
	if (rep.count < 8) {
		rep.err[rep.count] = err;
		snprintf(rep.what[rep.count], sizeof(rep.what[0]), "%s", what);
	}
	rep.count++;
}

static int parse(const char *s)
{
	memset(&rep, 0, sizeof(rep));
	return cmdline_parse_report(s, &cl, record, NULL);
}

TEST(cmdline_words_keys_values)
{
	CHECK_EQ(parse("loglevel=7 quiet foo=bar"), 0);
	CHECK_EQ(cl.count, 3);
	CHECK_EQ(cl.errors, 0);
	CHECK_STR(cl.param[0].key, "loglevel");
	CHECK_STR(cl.param[0].value, "7");
	CHECK(cl.param[0].has_value);
	CHECK_STR(cl.param[1].key, "quiet");
	CHECK(!cl.param[1].has_value);
	CHECK_STR(cmdline_get(&cl, "foo"), "bar");
	CHECK_STR(cmdline_get(&cl, "quiet"), "");
	CHECK(cmdline_get(&cl, "qui") == NULL);
	CHECK(cmdline_get(&cl, "nope") == NULL);
	CHECK_EQ(rep.count, 0);
}

TEST(cmdline_blanks)
{
	CHECK_EQ(parse("  \ta=1\t\tb=2 \r\n c \n"), 0);
	CHECK_EQ(cl.count, 3);
	CHECK_STR(cmdline_get(&cl, "b"), "2");
	CHECK_STR(cl.param[2].key, "c");
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(cl.count, 0);
	CHECK_EQ(parse("   "), 0);
	CHECK_EQ(cl.count, 0);
	CHECK_EQ(cmdline_parse(NULL, &cl), 0);
	CHECK_EQ(cl.count, 0);
}

TEST(cmdline_quotes)
{
	CHECK_EQ(parse("foo=\"a b\" bar=a\"b c\"d \"baz=x y\" e=\"\" f= k=\"a=b\" x=1=2"), 0);
	CHECK_EQ(cl.count, 7);
	CHECK_STR(cmdline_get(&cl, "foo"), "a b");
	CHECK_STR(cmdline_get(&cl, "bar"), "ab cd");
	CHECK_STR(cmdline_get(&cl, "baz"), "x y");
	CHECK_STR(cmdline_get(&cl, "e"), "");
	CHECK(cl.param[3].has_value);
	CHECK_STR(cmdline_get(&cl, "f"), "");
	CHECK(cl.param[4].has_value);
	CHECK_STR(cmdline_get(&cl, "k"), "a=b");
	CHECK_STR(cmdline_get(&cl, "x"), "1=2");
	/* no backslash escapes on the kernel command line (as Linux) */
	CHECK_EQ(parse("p=\"a\\\" q"), 0);
	CHECK_STR(cmdline_get(&cl, "p"), "a\\");
	CHECK_STR(cl.param[1].key, "q");
}

TEST(cmdline_last_occurrence_wins)
{
	CHECK_EQ(parse("a=1 b=2 a=3"), 0);
	CHECK_EQ(cl.count, 3);		/* all kept, in order */
	CHECK_STR(cmdline_get(&cl, "a"), "3");
	CHECK_EQ(parse("a=1 a"), 0);
	CHECK_STR(cmdline_get(&cl, "a"), "");
	CHECK_EQ(parse("a a=\"x y\""), 0);
	CHECK_STR(cmdline_get(&cl, "a"), "x y");
}

TEST(cmdline_empty_key_is_reported_and_skipped)
{
	CHECK_EQ(parse("good=1 =x also=2 \"\" =\"a b\""), -E_INVAL);
	CHECK_EQ(cl.count, 2);
	CHECK_EQ(cl.errors, 3);
	CHECK_STR(cl.first_error, "empty key in '=x'");
	CHECK_EQ(rep.count, 3);
	CHECK_EQ(rep.err[0], -E_INVAL);
	CHECK_STR(rep.what[1], "empty key in '\"\"'");
	CHECK_STR(rep.what[2], "empty key in '=\"a b\"'");
	CHECK_STR(cmdline_get(&cl, "also"), "2");
}

TEST(cmdline_unterminated_quote_swallows_the_rest)
{
	CHECK_EQ(parse("a=1 b=\"c d e=5"), -E_INVAL);
	CHECK_EQ(cl.count, 1);
	CHECK_EQ(cl.errors, 1);
	CHECK_STR(cl.first_error, "unterminated quote in 'b=\"c d e=5'");
	CHECK(cmdline_get(&cl, "e") == NULL);
	CHECK_EQ(parse("\""), -E_INVAL);
	CHECK_STR(cl.first_error, "unterminated quote in '\"'");
}

TEST(cmdline_key_length_limit)
{
	char s[200], key[100];

	memset(key, 'k', 63);
	key[63] = '\0';
	snprintf(s, sizeof(s), "%s=1", key);
	CHECK_EQ(parse(s), 0);
	CHECK_STR(cmdline_get(&cl, key), "1");
	snprintf(s, sizeof(s), "a=1 %sK=1 b=2", key);
	CHECK_EQ(parse(s), -E_INVAL);
	CHECK_EQ(cl.count, 2);
	CHECK_EQ(rep.err[0], -E_2BIG);
	CHECK_STR(cl.first_error, "key too long (64 bytes, max 63) in "
		  "'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...'");
}

TEST(cmdline_value_length_limit)
{
	static char s[1200];
	int n;

	n = snprintf(s, sizeof(s), "v=\"");
	memset(s + n, 'x', 510);
	n += 510;
	snprintf(s + n, sizeof(s) - (size_t)n, " \" w=1");	/* 511 bytes: fits */
	CHECK_EQ(parse(s), 0);
	CHECK_EQ(strlen(cmdline_get(&cl, "v")), 511);
	CHECK_EQ(cmdline_get(&cl, "v")[510], ' ');
	memset(s, 'y', 600);
	memcpy(s, "v=", 2);
	snprintf(s + 514, sizeof(s) - 514, " w=2");		/* 512 bytes */
	CHECK_EQ(parse(s), -E_INVAL);
	CHECK_EQ(cl.count, 1);
	CHECK_STR(cmdline_get(&cl, "w"), "2");
	CHECK_STR(cl.first_error, "value too long (512 bytes, max 511) in "
		  "'v=yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy...'");
}

TEST(cmdline_too_many_parameters)
{
	static char s[1024];
	size_t n = 0;

	for (int i = 0; i < CMDLINE_MAX_PARAMS + 6; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "p%d=%d ", i, i);
	CHECK_EQ(parse(s), -E_INVAL);
	CHECK_EQ(cl.count, CMDLINE_MAX_PARAMS);
	CHECK_EQ(cl.errors, 6);
	CHECK_EQ(rep.count, 6);
	CHECK_EQ(rep.err[5], -E_NOSPC);
	CHECK_STR(cl.first_error, "too many parameters (max 64), dropped 'p64=64'");
	CHECK_STR(rep.what[5], "too many parameters (max 64), dropped 'p69=69'");
	CHECK_STR(cmdline_get(&cl, "p63"), "63");
	CHECK(cmdline_get(&cl, "p64") == NULL);
	/* a malformed word does not take a slot */
	CHECK_EQ(parse("=bad a"), -E_INVAL);
	CHECK_EQ(cl.count, 1);
}

TEST(cmdline_first_error_is_kept)
{
	CHECK_EQ(parse("=a x=\"y"), -E_INVAL);
	CHECK_EQ(cl.errors, 2);
	CHECK_STR(cl.first_error, "empty key in '=a'");
	CHECK_STR(rep.what[1], "unterminated quote in 'x=\"y'");
	CHECK_EQ(parse("ok"), 0);	/* a new parse starts clean */
	CHECK_EQ(cl.errors, 0);
	CHECK_STR(cl.first_error, "");
}

TEST(cmdline_integers)
{
	long long v = 0;

	CHECK_EQ(parse("panic=-1 a=10 b=0x10 c=abc d e=99999999999999999999 "
		       "f=-9223372036854775808 g=9223372036854775808 h=- i=7K"), 0);
	CHECK_EQ(cmdline_get_int(&cl, "panic", &v), 0);
	CHECK_EQ(v, -1);
	CHECK_EQ(cmdline_get_int(&cl, "a", &v), 0);
	CHECK_EQ(v, 10);
	CHECK_EQ(cmdline_get_int(&cl, "b", &v), 0);
	CHECK_EQ(v, 16);
	CHECK_EQ(cmdline_get_int(&cl, "f", &v), 0);
	CHECK(v == INT64_MIN);
	v = 42;
	CHECK_EQ(cmdline_get_int(&cl, "c", &v), -E_INVAL);
	CHECK_EQ(cmdline_get_int(&cl, "d", &v), -E_INVAL);
	CHECK_EQ(cmdline_get_int(&cl, "e", &v), -E_RANGE);
	CHECK_EQ(cmdline_get_int(&cl, "g", &v), -E_RANGE);
	CHECK_EQ(cmdline_get_int(&cl, "h", &v), -E_INVAL);
	CHECK_EQ(cmdline_get_int(&cl, "i", &v), -E_INVAL);
	CHECK_EQ(cmdline_get_int(&cl, "zz", &v), -E_NOENT);
	CHECK_EQ(v, 42);		/* untouched on failure */
}

TEST(cmdline_format_round_trips)
{
	/* The last two: keys with a blank (the fuzzer's find, tests/fuzz/regress/cmdline). */
	static const char *const want[] = { "a", "b=1", "c=\"x y\"", "d=", "e=", "f=\"ab cd\"",
					    "\"x --module=/m\"", "\"p q\"" };
	struct cmdline again;
	char buf[64];

	CHECK_EQ(parse("a b=1 c=\"x y\" d= e=\"\" f=a\"b c\"d x\" --module=\"/m p\" q\""), 0);
	CHECK_EQ(cl.count, 8);
	for (unsigned i = 0; i < cl.count; i++) {
		cmdline_format_param(&cl.param[i], buf, sizeof(buf));
		CHECK_STR(buf, want[i]);
		CHECK_EQ(cmdline_parse(buf, &again), 0);
		CHECK_EQ(again.count, 1);
		CHECK_STR(again.param[0].key, cl.param[i].key);
		CHECK_STR(again.param[0].value, cl.param[i].value);
		CHECK_EQ(again.param[0].has_value, cl.param[i].has_value);
	}
	CHECK_EQ(cmdline_format_param(&cl.param[2], buf, 4), 7);	/* cut, counted */
	CHECK_STR(buf, "c=\"");
}

TEST(cmdline_split_shell_words)
{
	char line[128];
	char *argv[8];

	strcpy(line, "  echo  \"a b\"\tc  ");
	CHECK_EQ(cmdline_split(line, argv, 8), 3);
	CHECK_STR(argv[0], "echo");
	CHECK_STR(argv[1], "a b");
	CHECK_STR(argv[2], "c");
	CHECK(argv[3] == NULL);

	strcpy(line, "say \"e\\\"f\" \"g\\\\h\" \"i\\j\" \"\" x\"y z\"w a\\b");
	CHECK_EQ(cmdline_split(line, argv, 8), 7);
	CHECK_STR(argv[1], "e\"f");
	CHECK_STR(argv[2], "g\\h");
	CHECK_STR(argv[3], "i\\j");
	CHECK_STR(argv[4], "");
	CHECK_STR(argv[5], "xy zw");
	CHECK_STR(argv[6], "a\\b");	/* outside quotes: ordinary */
}

TEST(cmdline_split_errors_and_limits)
{
	char line[64];
	char *argv[4];

	strcpy(line, "echo \"abc");
	CHECK_EQ(cmdline_split(line, argv, 4), -E_INVAL);
	strcpy(line, "echo \"a\\\"");	/* the escaped quote does not close */
	CHECK_EQ(cmdline_split(line, argv, 4), -E_INVAL);
	strcpy(line, "a b c");
	CHECK_EQ(cmdline_split(line, argv, 4), 3);
	strcpy(line, "a b c d");
	CHECK_EQ(cmdline_split(line, argv, 4), -E_2BIG);
	strcpy(line, " \t ");
	CHECK_EQ(cmdline_split(line, argv, 4), 0);
	CHECK(argv[0] == NULL);
}

/* cmdline_has_word: whole words only, or a prefix when the word ends in '='. */
TEST(cmdline_has_word_matches_whole_words)
{
	const char *line = "quiet nr_cpus=4 xloglevel=7 elfcorehdr=490868K";

	CHECK(cmdline_has_word(line, "quiet"));
	CHECK(cmdline_has_word(line, "nr_cpus="));
	CHECK(cmdline_has_word(line, "elfcorehdr="));
	CHECK(!cmdline_has_word(line, "loglevel="));	/* only inside xloglevel= */
	CHECK(!cmdline_has_word(line, "qui"));		/* a prefix of a bare word */
	CHECK(!cmdline_has_word(line, "maxcpus="));
	CHECK(!cmdline_has_word("", "quiet"));
}
