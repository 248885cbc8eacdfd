// SPDX-License-Identifier: GPL-2.0
/*
 * dnspoolctl -b FILE: commands from a file, one per line, as `ip -b` runs
 * them; and dnspoolctl save: a namespace's running configuration as such
 * a file, upstreams first, then the groups and listeners that name them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dnspool.h>

#include "dnspoolctl.h"
#include "nl.h"

/* Words on one line of a batch file, at most. */
#define BATCH_MAX_WORDS	64

static const char save_usage[] =
	"Usage: dnspoolctl [-n NETNS] save\n"
	"Prints the namespace's upstreams, groups and listeners as the commands that\n"
	"add them, for dnspoolctl -b to run again.\n";

/* Splits @line into words at blanks; a word starting with '#' starts a
 * comment.  Return: the number of words, or -1 when there are too many.
 */
static int split_words(char *line, char **words)
{
	char *save = NULL, *w;
	int n = 0;

	for (w = strtok_r(line, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (w[0] == '#')
			break;
		if (n == BATCH_MAX_WORDS)
			return -1;
		words[n++] = w;
	}
	return n;
}

/**
 * dp_run_batch() - run the commands of a batch file
 * @path: the file, or "-" for standard input
 *
 * Each line is an OBJECT COMMAND [ARG]... as on the command line; blank
 * lines and comments (from a word starting with '#') are skipped.  The
 * first line that fails stops the run, and its errors name it: PATH:LINE.
 *
 * Return: EXIT_OK, or the failing line's exit code.
 */
int dp_run_batch(const char *path)
{
	const char *name = strcmp(path, "-") ? path : "stdin";
	char *line = NULL, *words[BATCH_MAX_WORDS], where[512];
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	unsigned int lineno = 0, reported;
	size_t cap = 0;
	int ret = EXIT_OK, n;

	if (!f) {
		dp_err("cannot open batch file '%s': %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	while (getline(&line, &cap, f) >= 0) {
		lineno++;
		snprintf(where, sizeof(where), "%s:%u", name, lineno);
		dp_where = where;
		n = split_words(line, words);
		if (n < 0) {
			ret = dp_usage_exit("more than %d words", BATCH_MAX_WORDS);
			break;
		}
		if (!n)
			continue;
		reported = dp_reported;
		ret = dp_run_object(n, words);
		fflush(stdout);
		if (ret != EXIT_OK) {
			/* Every failure says why already, but in case. */
			if (dp_reported == reported)
				dp_err("'%s' failed", words[0]);
			break;
		}
	}
	if (ret == EXIT_OK && ferror(f)) {
		dp_err("cannot read batch file '%s': %s", path, strerror(errno));
		ret = EXIT_FAIL;
	}
	dp_where = NULL;
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

static int save_upstream(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_UPSTREAM_MAX + 1];

	(void)arg;
	if (dp_parse(nlh, tb, DNSPOOL_A_UPSTREAM_MAX) < 0 || !tb[DNSPOOL_A_UPSTREAM_NAME])
		return NL_SKIP;
	fputs("upstream add ", stdout);
	dp_print_upstream(tb);
	return NL_OK;
}

static int save_group(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_GROUP_MAX + 1];

	(void)arg;
	if (dp_parse(nlh, tb, DNSPOOL_A_GROUP_MAX) < 0 || !tb[DNSPOOL_A_GROUP_NAME])
		return NL_SKIP;
	fputs("group add ", stdout);
	dp_print_group(nlh, tb, false);
	return NL_OK;
}

static int save_listener(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_LISTENER_MAX + 1];

	(void)arg;
	if (dp_parse(nlh, tb, DNSPOOL_A_LISTENER_MAX) < 0 || !tb[DNSPOOL_A_LISTENER_NAME])
		return NL_SKIP;
	fputs("listener add ", stdout);
	dp_print_listener(nlh, tb, false);
	return NL_OK;
}

/* One dump of @cmd, each object to @fn. */
static int save_dump(int cmd, dp_msg_fn fn)
{
	struct nl_msg *msg = dp_msg_new(cmd, NLM_F_DUMP);

	if (!msg)
		return EXIT_FAIL;
	return dp_request(msg, fn, NULL) ? EXIT_FAIL : EXIT_OK;
}

int cmd_save(int argc, char **argv)
{
	if (argc && (is_help(argv[0]) || !strcmp(argv[0], "help")))
		return fputs(save_usage, stdout) < 0 ? EXIT_FAIL : EXIT_OK;
	if (argc)
		return dp_usage_exit("save: takes no argument (see dnspoolctl save --help)");
	if (json_output)
		return dp_usage_exit("save: prints commands, not JSON (-j)");
	printf("# dnspoolctl save: the commands that add this configuration again\n");
	if (save_dump(DNSPOOL_CMD_UPSTREAM_GET, save_upstream) ||
	    save_dump(DNSPOOL_CMD_GROUP_GET, save_group) ||
	    save_dump(DNSPOOL_CMD_LISTENER_GET, save_listener))
		return EXIT_FAIL;
	return fflush(stdout) ? EXIT_FAIL : EXIT_OK;
}
