/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DNSPOOLCTL_H
#define DNSPOOLCTL_H

#include <stdbool.h>

/* Exit codes, as the man page documents them. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

extern bool json_output;

void dp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dp_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dp_usage_exit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool is_help(const char *arg);

int cmd_upstream(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_limits(int argc, char **argv);
int print_limits(void);

#endif
