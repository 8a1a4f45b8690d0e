/* Seccomp filter from the runtime's rules text (see seccomp.h), built with libseccomp. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <seccomp.h>
#include "md_seccomp.h"

/* "allow" | "errno:N" | "trace:N" | "kill_thread" | "kill_process" | "trap" | "log" */
static int parse_action(const char *s, uint32_t *act)
{
	char *end;
	if (!strcmp(s, "allow")) *act = SCMP_ACT_ALLOW;
	else if (!strcmp(s, "kill_thread")) *act = SCMP_ACT_KILL_THREAD;
	else if (!strcmp(s, "kill_process")) *act = SCMP_ACT_KILL_PROCESS;
	else if (!strcmp(s, "trap")) *act = SCMP_ACT_TRAP;
	else if (!strcmp(s, "log")) *act = SCMP_ACT_LOG;
	else if (!strncmp(s, "errno:", 6) || !strncmp(s, "trace:", 6)) {
		errno = 0;
		unsigned long v = strtoul(s + 6, &end, 10);
		if (errno || *end || end == s + 6 || v > 0xffff) return -EINVAL;
		*act = s[0] == 'e' ? SCMP_ACT_ERRNO(v) : SCMP_ACT_TRACE(v);
	} else return -EINVAL;
	return 0;
}

static const struct { const char *name; enum scmp_compare op; } ops[] = {
	{ "ne", SCMP_CMP_NE }, { "lt", SCMP_CMP_LT }, { "le", SCMP_CMP_LE }, { "eq", SCMP_CMP_EQ },
	{ "ge", SCMP_CMP_GE }, { "gt", SCMP_CMP_GT }, { "masked_eq", SCMP_CMP_MASKED_EQ },
};

/* "<index>:<op>:<value>:<valueTwo>" */
static int parse_cond(char *s, struct scmp_arg_cmp *c)
{
	char *f[4], *save = NULL, *end;
	int n = 0;
	for (char *t = strtok_r(s, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save)) f[n++] = t;
	if (n != 4 || strtok_r(NULL, ":", &save)) return -EINVAL;
	errno = 0;
	unsigned long idx = strtoul(f[0], &end, 10);
	if (errno || *end || idx > 5) return -EINVAL;
	c->arg = idx;
	c->op = 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(f[1], ops[i].name)) c->op = ops[i].op;
	if (!c->op) return -EINVAL;
	c->datum_a = strtoull(f[2], &end, 10);
	if (errno || *end) return -EINVAL;
	c->datum_b = strtoull(f[3], &end, 10);
	if (errno || *end) return -EINVAL;
	return 0;
}

static int apply_line(scmp_filter_ctx *ctx, char *line)
{
	char *save = NULL;
	char *key = strtok_r(line, " ", &save);
	if (!key) return 0;
	if (!strcmp(key, "default")) {
		uint32_t act;
		char *a = strtok_r(NULL, " ", &save);
		if (*ctx || !a || parse_action(a, &act) < 0) return -EINVAL;
		*ctx = seccomp_init(act);
		if (!*ctx) return -ENOMEM;
		/* the caller decides about no_new_privs (docker leaves it off); real errnos from the kernel */
		int r = seccomp_attr_set(*ctx, SCMP_FLTATR_CTL_NNP, 0);
		if (r == 0) r = seccomp_attr_set(*ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
		return r;
	}
	if (!*ctx) return -EINVAL; /* `default` comes first */
	if (!strcmp(key, "arch")) {
		char *a = strtok_r(NULL, " ", &save);
		uint32_t token = a ? seccomp_arch_resolve_name(a) : 0;
		if (!token) return -EINVAL;
		int r = seccomp_arch_add(*ctx, token);
		return r == -EEXIST ? 0 : r; /* the native arch is there from seccomp_init */
	}
	if (!strcmp(key, "flag")) {
		char *f = strtok_r(NULL, " ", &save);
		if (f && !strcmp(f, "log")) return seccomp_attr_set(*ctx, SCMP_FLTATR_CTL_LOG, 1);
		if (f && !strcmp(f, "spec_allow")) return seccomp_attr_set(*ctx, SCMP_FLTATR_CTL_SSB, 1);
		return -EINVAL;
	}
	if (!strcmp(key, "rule")) {
		char *name = strtok_r(NULL, " ", &save), *a = strtok_r(NULL, " ", &save);
		uint32_t act;
		struct scmp_arg_cmp conds[6];
		unsigned n = 0;
		if (!name || !a || parse_action(a, &act) < 0) return -EINVAL;
		for (char *c = strtok_r(NULL, " ", &save); c; c = strtok_r(NULL, " ", &save)) {
			if (n == 6 || parse_cond(c, &conds[n]) < 0) return -EINVAL;
			n++;
		}
		/* A name this libseccomp does not know is skipped, as runc does: profiles list the
		 * syscalls of every architecture and of kernels newer than the one we know. Names of
		 * other architectures resolve to pseudo numbers that libseccomp maps per arch. */
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR) return 0;
		return seccomp_rule_add_array(*ctx, act, nr, n, conds);
	}
	return -EINVAL;
}

int md_seccomp_apply(const char *rules_path)
{
	int fd = open(rules_path, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : md_seccomp_apply_fd(fd);
}

int md_seccomp_apply_fd(int fd)
{
	FILE *f = fdopen(fd, "r");
	if (!f) { int e = errno; close(fd); return -e; }
	scmp_filter_ctx ctx = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int r = 0, first = 1;
	while (r == 0 && (len = getline(&line, &cap, f)) >= 0) {
		if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
		if (first) {
			if (strcmp(line, "minidock-seccomp 1")) r = -EINVAL;
			first = 0;
			continue;
		}
		r = apply_line(&ctx, line);
	}
	if (r == 0 && ferror(f)) r = -EIO;
	if (r == 0 && !ctx) r = -EINVAL; /* empty or header-only file */
	free(line);
	fclose(f);
	if (r == 0) r = seccomp_load(ctx);
	if (ctx) seccomp_release(ctx);
	return r;
}
