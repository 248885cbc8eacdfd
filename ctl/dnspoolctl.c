// SPDX-License-Identifier: GPL-2.0
/*
 * dnspoolctl: drive the dnspool kernel module over generic netlink.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnspoolctl.h"
#include "nl.h"

#ifndef DNSPOOLCTL_VERSION
#define DNSPOOLCTL_VERSION "unknown"
#endif

bool json_output;
bool json_pretty;
bool show_details;
const char *dp_where;
unsigned int dp_reported;

static const char usage_text[] =
	"Usage: dnspoolctl [OPTION]... OBJECT COMMAND [ARG]...\n"
	"Drive the dnspool kernel module: pools of kernel sockets per DNS upstream,\n"
	"and DNS listeners that answer clients through them.\n"
	"\n"
	"OBJECT COMMAND:\n"
	"  upstream add NAME URI [OPTION]...   add an upstream (udp://, tcp://, tls://)\n"
	"  upstream set NAME [OPTION]...       change an upstream's pool parameters\n"
	"  upstream del NAME                   delete an upstream and close its pool\n"
	"  upstream show [NAME]                show one or all upstreams, and their health\n"
	"  upstream save [NAME]                the configuration alone, as add takes it\n"
	"  group add NAME UPSTREAM... [OPTION]...  a group of upstreams and its strategy\n"
	"  group set|del|show ...              change, delete, show groups\n"
	"  listener add NAME ADDR[:PORT] target UPSTREAM|GROUP [OPTION]...\n"
	"                                      answer DNS clients on ADDR through a target\n"
	"  listener set|del|show ...           change, delete, show listeners\n"
	"  query [@NAME] QNAME [TYPE] [+tcp]   ask a DNS question of an upstream or group\n"
	"  query [@NAME] --raw FILE|-          send a wire-format query, write the answer\n"
	"  query [@NAME] --batch FILE [--concurrency N]   many queries in flight\n"
	"  stats [NAME]                        pools, listeners and their counters\n"
	"  limits                              bounds on connections and queries, and use\n"
	"  monitor                             print changes to upstreams, groups, listeners\n"
	"                                      and health live\n"
	"  save                                the namespace's configuration, as commands\n"
	"                                      that -b runs again\n"
	"\n"
	"OPTION:\n"
	"  -j, --json          print JSON, one line per object\n"
	"  -p, --pretty        print JSON indented, for people (implies -j)\n"
	"  -s, --stats         show details: every counter of stats\n"
	"  -n, --netns NETNS   run in network namespace NETNS (/run/netns/NETNS)\n"
	"  -b, --batch FILE    run the commands in FILE (- for standard input), one per\n"
	"                      line; the first that fails stops the run\n"
	"  -h, --help          show this help; OBJECT --help shows its commands\n"
	"  -V, --version       show the version\n"
	"\n"
	"Exit status: 0 on success, 1 when the operation failed, 2 on bad usage.\n"
	"See dnspoolctl(8).\n";

static void vreport(const char *fmt, va_list ap)
{
	fputs("dnspoolctl: ", stderr);
	if (dp_where)
		fprintf(stderr, "%s: ", dp_where);
	dp_reported++;
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void dp_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

/* For parsers: prints why, returns -1. */
int dp_usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return -1;
}

/* For commands: prints why, returns the bad-usage exit code. */
int dp_usage_exit(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* Prints @obj on stdout, as -j or -p ask, and frees it. */
int dp_json_print(json_object *obj)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (json_pretty ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
	int ret = printf("%s\n", json_object_to_json_string_ext(obj, flags)) < 0;

	json_object_put(obj);
	return ret ? EXIT_FAIL : EXIT_OK;
}

/* As `ip -n NETNS`: enter the namespace that `ip netns add` named. */
static int enter_netns(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return dp_usage_err("bad network namespace name '%s'", name);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		dp_err("cannot open network namespace '%s': %s", name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		dp_err("cannot enter network namespace '%s': %s", name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/**
 * dp_run_object() - run one command: OBJECT COMMAND [ARG]...
 * @argc: its words
 * @argv: the words
 *
 * Return: its exit code.
 */
int dp_run_object(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} objects[] = {
		{ "upstream", cmd_upstream }, { "group", cmd_group },
		{ "listener", cmd_listener }, { "query", cmd_query },
		{ "stats", cmd_stats }, { "limits", cmd_limits },
		{ "monitor", cmd_monitor }, { "save", cmd_save },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(objects); i++)
		if (!strcmp(argv[0], objects[i].name))
			return objects[i].fn(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help"))
		return fputs(usage_text, stdout) < 0 ? EXIT_FAIL : EXIT_OK;
	return dp_usage_exit("unknown object '%s' (try dnspoolctl --help)", argv[0]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "stats", no_argument, NULL, 's' },
		{ "netns", required_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *netns = NULL, *batch = NULL;
	int c, ret;

	/* '+': options end at the object, whose own arguments follow. */
	while ((c = getopt_long(argc, argv, "+jpsn:b:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = true;
			json_pretty = true;
			break;
		case 's':
			show_details = true;
			break;
		case 'n':
			netns = optarg;
			break;
		case 'b':
			batch = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'V':
			printf("dnspoolctl %s\n", DNSPOOLCTL_VERSION);
			return EXIT_OK;
		default:
			/* getopt said what was wrong, on one line. */
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (batch && argc)
		return dp_usage_exit("-b FILE takes no OBJECT: the file holds the commands");
	if (!batch && argc < 1)
		return dp_usage_exit("missing OBJECT (try dnspoolctl --help)");
	if (netns && enter_netns(netns))
		return EXIT_FAIL;
	ret = batch ? dp_run_batch(batch) : dp_run_object(argc, argv);
	dp_nl_close();
	return ret;
}
