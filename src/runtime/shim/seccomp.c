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
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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

/* Builds the libseccomp context from a rules text stream. */
static int build(FILE *f, scmp_filter_ctx *ctx)
{
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
		r = apply_line(ctx, line);
	}
	if (r == 0 && ferror(f)) r = -EIO;
	if (r == 0 && !*ctx) r = -EINVAL; /* empty or header-only file */
	free(line);
	return r;
}

/* A compiled filter: MD_BPF_MAGIC, u32 seccomp(2) flags, u32 instruction count, the program. */
#define MD_BPF_MAGIC "MDBPF01"

static int load_compiled(const unsigned char *buf, size_t n)
{
	uint32_t flags, count;
	if (n < 16) return -EINVAL;
	memcpy(&flags, buf + 8, 4);
	memcpy(&count, buf + 12, 4);
	if (count == 0 || count > BPF_MAXINSNS || n != 16 + (size_t)count * sizeof(struct sock_filter)) return -EINVAL;
	struct sock_fprog prog = { .len = (unsigned short)count, .filter = (struct sock_filter *)(buf + 16) };
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog) < 0 ? -errno : 0;
}

int md_seccomp_apply_fd(int fd)
{
	/* read it all: a compiled program is loaded as it is, a rules text is built first */
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
	if (!buf) { close(fd); return -ENOMEM; }
	for (;;) {
		if (n == cap) {
			unsigned char *b = realloc(buf, cap *= 2);
			if (!b) { free(buf); close(fd); return -ENOMEM; }
			buf = b;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) { int e = errno; free(buf); close(fd); return -e; }
		if (r == 0) break;
		n += r;
	}
	close(fd);
	int r;
	if (n >= 8 && !memcmp(buf, MD_BPF_MAGIC, 8)) {
		r = load_compiled(buf, n);
	} else {
		FILE *f = fmemopen(buf, n, "r");
		scmp_filter_ctx ctx = NULL;
		r = f ? build(f, &ctx) : -errno;
		if (f) fclose(f);
		if (r == 0) r = seccomp_load(ctx);
		if (ctx) seccomp_release(ctx);
	}
	free(buf);
	return r;
}

int md_seccomp_compile(const char *rules_path, const char *out_path)
{
	FILE *f = fopen(rules_path, "re");
	if (!f) return -errno;
	scmp_filter_ctx ctx = NULL;
	int r = build(f, &ctx);
	fclose(f);
	uint32_t flags = 0, v = 0;
	if (r == 0 && seccomp_attr_get(ctx, SCMP_FLTATR_CTL_LOG, &v) == 0 && v) flags |= SECCOMP_FILTER_FLAG_LOG;
	if (r == 0 && seccomp_attr_get(ctx, SCMP_FLTATR_CTL_SSB, &v) == 0 && v) flags |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	int mfd = r == 0 ? memfd_create("minidock-bpf", MFD_CLOEXEC) : -1;
	if (r == 0 && mfd < 0) r = -errno;
	if (r == 0) r = seccomp_export_bpf(ctx, mfd);
	if (ctx) seccomp_release(ctx);
	if (r < 0) { if (mfd >= 0) close(mfd); return r; }
	off_t len = lseek(mfd, 0, SEEK_END);
	uint32_t count = (uint32_t)(len / sizeof(struct sock_filter));
	int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) { r = -errno; close(mfd); return r; }
	unsigned char head[16];
	memcpy(head, MD_BPF_MAGIC, 8);
	memcpy(head + 8, &flags, 4);
	memcpy(head + 12, &count, 4);
	r = write(out, head, 16) == 16 ? 0 : -EIO;
	char buf[8192];
	ssize_t got;
	lseek(mfd, 0, SEEK_SET);
	while (r == 0 && (got = read(mfd, buf, sizeof(buf))) > 0)
		if (write(out, buf, got) != got) r = -EIO;
	close(mfd);
	if (close(out) < 0 && r == 0) r = -errno;
	return r;
}
