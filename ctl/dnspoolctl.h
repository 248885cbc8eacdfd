/* SPDX-License-Identifier: GPL-2.0 */
#ifndef DNSPOOLCTL_H
#define DNSPOOLCTL_H

#include <stdbool.h>
#include <json-c/json.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Exit codes, as the man page documents them. */
enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

extern bool json_output;
extern bool json_pretty;
extern bool show_details;
/* Where the command being run comes from (FILE:LINE of -b), for errors;
 * how many errors were printed.
 */
extern const char *dp_where;
extern unsigned int dp_reported;

void dp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dp_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int dp_usage_exit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool is_help(const char *arg);
int dp_json_print(json_object *obj);

struct nlattr;

/* An upstream's configuration in `upstream add` syntax; its health. */
void dp_print_upstream(struct nlattr **tb);
void dp_print_health(struct nlattr **tb);
json_object *dp_upstream_json(struct nlattr **tb);
void dp_health_json(json_object *o, struct nlattr **tb);

struct nlmsghdr;

/* A group in `group add` syntax (and its counters); as JSON; all of them. */
void dp_print_group(struct nlmsghdr *nlh, struct nlattr **tb, bool counters);
json_object *dp_group_json(struct nlmsghdr *nlh, struct nlattr **tb);
int dp_groups_list(json_object *list, const char *name);

/* A listener in `listener add` syntax (and its counters); as JSON; all of
 * them, as JSON or as text; each one's message to @fn.
 */
void dp_print_listener(struct nlmsghdr *nlh, struct nlattr **tb, bool counters);
void dp_print_listener_counters(struct nlattr **tb, bool wrap);
json_object *dp_listener_json(struct nlmsghdr *nlh, struct nlattr **tb);
int dp_listeners_list(json_object *list, const char *name);
int dp_listeners_each(int (*fn)(struct nlmsghdr *nlh, void *arg), void *arg);

int dp_run_object(int argc, char **argv);
int dp_run_batch(const char *path);
int cmd_save(int argc, char **argv);
int cmd_upstream(int argc, char **argv);
int cmd_group(int argc, char **argv);
int cmd_listener(int argc, char **argv);
int cmd_monitor(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_limits(int argc, char **argv);
int print_limits(void);
int dp_stats_prometheus(const char *name);

#endif
