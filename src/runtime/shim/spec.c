/*
 * The spec file: one `key value` per line, serialised by src/runtime/spec.ts. The value is
 * everything after the first space, with escapes `\\` (backslash) and `\n` (newline); any
 * other backslash sequence, a NUL byte, a line without a space, an unknown key, a key of the
 * other mode, a repeated single-valued key, a number out of range or with trailing garbage,
 * and a missing required key are refused: the shim reports
 *   error invalid spec <file> line <n>: <reason>
 * and creates nothing. Repeated keys build lists in order. Keys ("!" = required):
 *   run:  layer! (bottom first, repeated), upper!, work!, rundir!, rootfs!, hostname!,
 *         stdin! (0|1), net! (new|host), uidmap/gidmap ("cid hostid size", u32 each, size >= 1,
 *         repeated; none at all = no user namespace), etc_hostname, etc_hosts, etc_resolv,
 *         log!, log_max_size (bytes, 0 = unbounded: past it the log is rotated before a
 *         frame, never inside one), log_max_files (1..1000: the log and its rotated copies
 *         log.1 .. log.N-1, oldest last; 1 = the log starts over), log_discard (0|1: keep
 *         no log, --log-driver none; attach clients still get the output), exit!, sock!, stdio_uid! and stdio_gid! (host ids that own the stdio pipes,
 *         -1 = unmapped), sysctl ("net/ipv6/conf/all/disable_ipv6 1", repeated; written inside
 *         the namespaces), mask (absolute path hidden under /dev/null or an empty read-only
 *         tmpfs, repeated), readonly (absolute path made read-only, repeated),
 *         readonly_root (0|1: the overlay root read-only after pivot_root), cgroup (the
 *         container's own cgroups shown read-only at /sys/fs/cgroup, repeated: `NAME HOSTDIR`
 *         binds the host dir at /sys/fs/cgroup/NAME on a tmpfs (cgroup v1, one per hierarchy),
 *         `NAME -> TARGET` adds the symlink (cpu -> cpu,cpuacct), `. HOSTDIR` binds it at
 *         /sys/fs/cgroup itself (cgroup v2)), and the user's
 *         mounts as three parallel lists, one entry each per mount, parents first:
 *         mount_kind (`bind ro|rw` or `tmpfs ro|rw <flags> <data>`, flags a comma list of
 *         nosuid/nodev/noexec or `-`, data the tmpfs options in host ids or `-`),
 *         mount_src (the host path of a bind; `tmpfs` for a tmpfs), mount_dst (absolute
 *         container path),
 *         join_user, join_net, join_ipc, join_uts, join_pid (host pid of a process whose
 *         namespace of that kind the container enters instead of making its own; pod style:
 *         the holder's namespaces belong to its user namespace, so with uidmap any other
 *         join needs join_user, entered first, and the maps are then the holder's, not
 *         written), host_pid, host_ipc, host_uts (0|1: stay in the host's namespace of that
 *         kind), shm_from (host pid whose /dev/shm mount is bound as the container's: the
 *         IPC namespace's shared memory), no_shm (0|1: no /dev/shm, --ipc none), init (0|1: PID 1 is a small reaping init that
 *         forwards signals to the command and exits with its status), hold (0|1: a pod's
 *         namespace holder: no arg, no image; PID 1 is set up as any container's, then waits
 *         without exec until SIGTERM, SIGINT or SIGHUP ends it with 0; excludes init and tty)
 *   exec: pid! (1 to 2147483647)
 *   both: arg! (repeated; run with hold: none), env (repeated), cwd! (absolute), uid!, gid!, group (supplementary
 *         gid, repeated) (ids 0 to 2147483647), tty! (0|1), tty_rows, tty_cols
 *         (with tty, 1 to 65535: the pty's size before the command runs, docker's ConsoleSize;
 *         for a container, a size sent through attach before the start wins), cap_bounding (capability number
 *         0 to 63, repeated; the bounding set), cap_permitted (repeated; permitted and
 *         effective, a subset of the bounding set; inheritable and ambient are always empty),
 *         no_new_privs (0|1), seccomp (path of rules for md_seccomp_apply; absent = unconfined)
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "shim.h"

enum kind { K_STR, K_LIST, K_BOOL, K_ID, K_HOSTID, K_PID, K_GROUP, K_MAP, K_CAP, K_NET, K_ABSPATH, K_ABSLIST, K_SIZE, K_FILES };

struct key {
	const char *name;
	enum kind kind;
	int modes;
	int required;
	size_t off;
};

#define RUN SPEC_RUN
#define EXEC SPEC_EXEC
#define BOTH (SPEC_RUN | SPEC_EXEC)
#define F(f) offsetof(struct spec, f)

static const struct key keys[] = {
	{ "layer", K_LIST, RUN, 1, F(layer) },
	{ "upper", K_STR, RUN, 1, F(upper) },
	{ "work", K_STR, RUN, 1, F(work) },
	{ "rundir", K_STR, RUN, 1, F(rundir) },
	{ "rootfs", K_STR, RUN, 1, F(rootfs) },
	{ "hostname", K_STR, RUN, 1, F(hostname) },
	{ "stdin", K_BOOL, RUN, 1, F(in) },
	{ "net", K_NET, RUN, 1, F(net) },
	{ "uidmap", K_MAP, RUN, 0, F(uidmap) },
	{ "gidmap", K_MAP, RUN, 0, F(gidmap) },
	{ "etc_hostname", K_STR, RUN, 0, F(etc_hostname) },
	{ "etc_hosts", K_STR, RUN, 0, F(etc_hosts) },
	{ "etc_resolv", K_STR, RUN, 0, F(etc_resolv) },
	{ "log", K_STR, RUN, 1, F(log) },
	{ "log_max_size", K_SIZE, RUN, 0, F(log_max_size) },
	{ "log_max_files", K_FILES, RUN, 0, F(log_max_files) },
	{ "log_discard", K_BOOL, RUN, 0, F(log_discard) },
	{ "exit", K_STR, RUN, 1, F(exit) },
	{ "sock", K_STR, RUN, 1, F(sock) },
	{ "stdio_uid", K_HOSTID, RUN, 1, F(stdio_uid) },
	{ "stdio_gid", K_HOSTID, RUN, 1, F(stdio_gid) },
	{ "sysctl", K_LIST, RUN, 0, F(sysctl) },
	{ "mask", K_ABSLIST, RUN, 0, F(mask) },
	{ "readonly", K_ABSLIST, RUN, 0, F(readonly) },
	{ "readonly_root", K_BOOL, RUN, 0, F(readonly_root) },
	{ "cgroup", K_LIST, RUN, 0, F(cgroup) },
	{ "mount_kind", K_LIST, RUN, 0, F(mount_kind) },
	{ "mount_src", K_LIST, RUN, 0, F(mount_src) },
	{ "mount_dst", K_ABSLIST, RUN, 0, F(mount_dst) },
	{ "join_user", K_PID, RUN, 0, F(join_user) },
	{ "join_net", K_PID, RUN, 0, F(join_net) },
	{ "join_ipc", K_PID, RUN, 0, F(join_ipc) },
	{ "join_uts", K_PID, RUN, 0, F(join_uts) },
	{ "join_pid", K_PID, RUN, 0, F(join_pid) },
	{ "host_pid", K_BOOL, RUN, 0, F(host_pid) },
	{ "host_ipc", K_BOOL, RUN, 0, F(host_ipc) },
	{ "host_uts", K_BOOL, RUN, 0, F(host_uts) },
	{ "shm_from", K_PID, RUN, 0, F(shm_from) },
	{ "init", K_BOOL, RUN, 0, F(init) },
	{ "no_shm", K_BOOL, RUN, 0, F(no_shm) },
	{ "hold", K_BOOL, RUN, 0, F(hold) },
	{ "pid", K_PID, EXEC, 1, F(pid) },
	{ "arg", K_LIST, BOTH, 0, F(arg) }, /* required unless hold (checked below) */
	{ "env", K_LIST, BOTH, 0, F(env) },
	{ "cwd", K_ABSPATH, BOTH, 1, F(cwd) },
	{ "uid", K_ID, BOTH, 1, F(uid) },
	{ "gid", K_ID, BOTH, 1, F(gid) },
	{ "group", K_GROUP, BOTH, 0, 0 },
	{ "tty", K_BOOL, BOTH, 1, F(tty) },
	{ "tty_rows", K_SIZE, BOTH, 0, F(tty_rows) },
	{ "tty_cols", K_SIZE, BOTH, 0, F(tty_cols) },
	{ "cap_bounding", K_CAP, BOTH, 0, F(cap_bounding) },
	{ "cap_permitted", K_CAP, BOTH, 0, F(cap_permitted) },
	{ "no_new_privs", K_BOOL, BOTH, 0, F(nnp) },
	{ "seccomp", K_STR, BOTH, 0, F(seccomp) },
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const char *spec_file;
static int spec_line;

static void __attribute__((format(printf, 1, 2), noreturn)) bad(const char *fmt, ...)
{
	char why[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (spec_line) say(report_fd, "error invalid spec %s line %d: %s", spec_file, spec_line, why);
	else say(report_fd, "error invalid spec %s: %s", spec_file, why);
	_exit(1);
}

static void strv_push(struct strv *s, char *x)
{
	s->v = realloc(s->v, sizeof(char *) * (s->n + 2));
	if (!s->v) bad("out of memory");
	s->v[s->n++] = x;
	s->v[s->n] = NULL;
}

/* Decimal integer in [min, max]: optional '-' only when min < 0, digits only, nothing after. */
static int parse_int(const char *s, long long min, long long max, long long *out)
{
	int neg = *s == '-';
	const char *p = s + neg;
	if (neg && min >= 0) return -1;
	if (*p < '0' || *p > '9') return -1; /* no sign, space or empty string */
	errno = 0;
	char *end;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno || *end) return -1;
	if (v > (unsigned long long)LLONG_MAX) return -1;
	long long x = neg ? -(long long)v : (long long)v;
	if (x < min || x > max) return -1;
	*out = x;
	return 0;
}

#define ID_MAX 2147483647LL

static long long num(const char *key, const char *v, long long min, long long max)
{
	long long x;
	if (parse_int(v, min, max, &x) < 0) bad("%s %s: not an integer in %lld..%lld", key, v, min, max);
	return x;
}

/* Undoes the serialiser's escapes in place; refuses anything it would not have written. */
static void unescape(char *s)
{
	char *r = s, *w = s;
	while (*r) {
		if (*r != '\\') { *w++ = *r++; continue; }
		if (r[1] == 'n') *w++ = '\n';
		else if (r[1] == '\\') *w++ = '\\';
		else bad("bad escape \\%c (only \\\\ and \\n)", r[1] ? r[1] : '0');
		r += 2;
	}
	*w = 0;
}

void parse_spec(const char *file, enum spec_mode mode, struct spec *sp)
{
	spec_file = file;
	spec_line = 0;
	memset(sp, 0, sizeof(*sp));
	sp->stdio_uid = sp->stdio_gid = -1;
	FILE *f = fopen(file, "re");
	if (!f) fail("read spec %s", file);
	int seen[NKEYS] = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, f)) >= 0) {
		spec_line++;
		if (len > 0 && line[len - 1] == '\n') line[--len] = 0;
		if ((ssize_t)strlen(line) != len) bad("NUL byte in line");
		char *space = strchr(line, ' ');
		if (!space) bad("no value (a line is `key value`)");
		*space = 0;
		const char *k = line;
		char *v = space + 1;
		unsigned i;
		for (i = 0; i < NKEYS && strcmp(keys[i].name, k); i++) {}
		if (i == NKEYS) bad("unknown key %.64s", k);
		if (!(keys[i].modes & mode)) bad("key %s is not for %s mode", k, mode == SPEC_RUN ? "run" : "exec");
		const struct key *key = &keys[i];
		int listy = key->kind == K_LIST || key->kind == K_MAP || key->kind == K_GROUP || key->kind == K_CAP || key->kind == K_ABSLIST;
		if (seen[i] && !listy) bad("key %s given twice", k);
		seen[i]++;
		unescape(v);
		void *field = (char *)sp + key->off;
		switch (key->kind) {
		case K_STR:
			*(char **)field = strdup(v);
			break;
		case K_ABSPATH:
			if (v[0] != '/') bad("%s %.200s: not an absolute path", k, v);
			*(char **)field = strdup(v);
			break;
		case K_LIST:
			strv_push(field, strdup(v));
			break;
		case K_ABSLIST:
			if (v[0] != '/') bad("%s %.200s: not an absolute path", k, v);
			strv_push(field, strdup(v));
			break;
		case K_BOOL:
			*(long long *)field = num(k, v, 0, 1);
			break;
		case K_ID:
			*(long long *)field = num(k, v, 0, ID_MAX);
			break;
		case K_HOSTID:
			*(long long *)field = num(k, v, -1, 4294967294LL);
			break;
		case K_PID:
			*(long long *)field = num(k, v, 1, ID_MAX);
			break;
		case K_SIZE:
			*(long long *)field = num(k, v, 0, 1LL << 50);
			break;
		case K_FILES:
			*(long long *)field = num(k, v, 1, 1000);
			break;
		case K_CAP:
			*(uint64_t *)field |= 1ULL << num(k, v, 0, 63);
			break;
		case K_GROUP:
			sp->groups = realloc(sp->groups, sizeof(gid_t) * (sp->ngroups + 1));
			if (!sp->groups) bad("out of memory");
			sp->groups[sp->ngroups++] = num(k, v, 0, ID_MAX);
			break;
		case K_MAP: {
			/* "cid hostid size": written to uid_map/gid_map as given, so it must be exact */
			char *a = v, *b = strchr(a, ' '), *c = b ? strchr(b + 1, ' ') : NULL;
			long long x;
			if (!b || !c) bad("%s %.100s: want `containerid hostid size`", k, v);
			*b = *c = 0;
			int ok = parse_int(a, 0, 4294967295LL, &x) == 0 && parse_int(b + 1, 0, 4294967295LL, &x) == 0 &&
				 parse_int(c + 1, 1, 4294967295LL, &x) == 0;
			*b = *c = ' ';
			if (!ok) bad("%s %.100s: want three u32 numbers, size >= 1", k, v);
			strv_push(field, strdup(v));
			break;
		}
		case K_NET:
			if (strcmp(v, "new") && strcmp(v, "host")) bad("net %.64s: want new or host", v);
			*(char **)field = strdup(v);
			break;
		}
	}
	free(line);
	fclose(f);
	spec_line = 0;
	for (unsigned i = 0; i < NKEYS; i++)
		if (keys[i].required && (keys[i].modes & mode) && !seen[i]) bad("missing key %s", keys[i].name);
	if (sp->hold && sp->arg.n) bad("hold takes no arg (the holder runs no command)");
	if (!sp->hold && !sp->arg.n) bad("missing key arg");
	if (sp->hold && (sp->init || sp->tty)) bad("hold excludes init and tty");
	if ((sp->tty_rows || sp->tty_cols) && !sp->tty) bad("tty_rows and tty_cols need tty");
	if (sp->tty_rows > 65535 || sp->tty_cols > 65535) bad("tty_rows and tty_cols are 1 to 65535");
	if (!!sp->uidmap.n != !!sp->gidmap.n) bad("uidmap and gidmap go together");
	if (sp->mount_kind.n != sp->mount_src.n || sp->mount_kind.n != sp->mount_dst.n) bad("mount_kind, mount_src and mount_dst go together (one each per mount)");
	if (sp->cap_permitted & ~sp->cap_bounding) bad("cap_permitted is not a subset of cap_bounding");
	if (mode == SPEC_RUN) {
		int joins = sp->join_net || sp->join_ipc || sp->join_uts || sp->join_pid;
		if (sp->join_user && !sp->uidmap.n) bad("join_user needs the holder's uidmap and gidmap");
		if (joins && sp->uidmap.n && !sp->join_user) bad("join_net/ipc/uts/pid with a user namespace need join_user (the holder's)");
		if (sp->join_net && !strcmp(sp->net, "host")) bad("join_net and net host exclude each other");
		if ((sp->join_ipc && sp->host_ipc) || (sp->join_uts && sp->host_uts) || (sp->join_pid && sp->host_pid))
			bad("a namespace is either joined or the host's, not both");
		if (sp->shm_from && sp->host_ipc) bad("shm_from and host_ipc exclude each other");
		if (sp->no_shm && (sp->shm_from || sp->host_ipc)) bad("no_shm excludes shm_from and host_ipc");
	}
}
