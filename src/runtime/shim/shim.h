/* minidock-shim: declarations shared by its files (one job each):
 *   main.c       entry point, usage and the engine protocols
 *   spec.c       the spec file format and its strict parser
 *   util.c       reporting, small I/O helpers, program lookup, pty and fd passing
 *   security.c   identity, capabilities, no_new_privs, seccomp (the last steps before execve)
 *   container.c  container init: rootfs, /proc /sys /dev, etc binds, pivot_root, masks
 *   supervise.c  run mode: clone, handshake, stdio relay, log, attach socket, reap, exit.json
 *   exec.c       exec mode: join a running container and run one process
 *   netlink.c    a container's veth endpoint with rtnetlink (the start handshake's `veth`)
 */
#ifndef MINIDOCK_SHIM_H
#define MINIDOCK_SHIM_H


#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/types.h>

/* ---------- spec (spec.c) ---------- */

struct strv { char **v; int n; };

enum spec_mode { SPEC_RUN = 1, SPEC_EXEC = 2 };

struct spec {
	struct strv layer, arg, env, uidmap, gidmap, sysctl, mask, readonly, mount_kind, mount_src, mount_dst, cgroup;
	gid_t *groups;
	int ngroups;
	char *upper, *work, *rundir, *rootfs, *cwd, *hostname, *net;
	char *etc_hostname, *etc_hosts, *etc_resolv, *log, *exit, *sock, *seccomp;
	long long uid, gid, tty, in, pid, stdio_uid, stdio_gid, nnp, readonly_root, log_max_size, log_max_files, log_discard, tty_rows, tty_cols;
	long long join_user, join_net, join_ipc, join_uts, join_pid, host_pid, host_ipc, host_uts, shm_from, init, no_shm, hold;
	uint64_t cap_bounding, cap_permitted;
};

/* Parses `file` for `mode`; on a bad spec reports `error invalid spec ...` and exits. */
void parse_spec(const char *file, enum spec_mode mode, struct spec *sp);

/* ---------- helpers (util.c) ---------- */

extern int report_fd; /* where `error ...` lines go */
/* The shim's command line (argv strings, contiguous; main.c): --init's PID 1 rewrites it. */
extern char *md_args;
extern size_t md_args_len;
void say(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reports "error <what>: <strerror(errno)>" on report_fd and exits 1. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
int write_file(const char *path, const char *data);
int write_all(int fd, const void *buf, size_t len);
void put_be32(unsigned char *b, uint32_t v);
void put_be64(unsigned char *b, uint64_t v);
int mkdir_p(const char *path);
int exec_program(char **argv, char **envp);
int open_pty(int *slave);
void make_controlling(int slave, long long uid);
void send_fd(int sock, int fd);
int recv_fd(int sock);

/* ---------- process security (security.c) ---------- */

/* Copies the seccomp rules file (read as host root, before any namespace is joined) into
 * a memfd the process can still name after pivot_root/chroot; -1 when the spec has none. */
int md_seccomp_open(const struct spec *sp);
/* Bounding set, no_new_privs, seccomp (without no_new_privs it needs CAP_SYS_ADMIN, so it
 * comes while the process still has it), user and groups, then permitted/effective/
 * inheritable/ambient. Exits through fail() on any error. */
void drop_privileges(const struct spec *sp, int seccomp_fd);
/* With no_new_privs, seccomp comes as late as possible: call right before execve. */
void md_seccomp_late(const struct spec *sp, int seccomp_fd);

/* ---------- container init (container.c) ---------- */

struct child_fds { int sync_r, err_w, pty_sock, in_r, out_w, err2_w, seccomp; };
/* What the shim writes on sync_r to release the container's process (one write, so one
 * read gets it whole): 'g' and the tty's first size, which attach clients may have sent
 * before the start (all zero: none; the kernel's 0x0 stays). */
struct release_msg { char go; struct winsize ws; };
void child_main(struct spec *sp, struct child_fds *f) __attribute__((noreturn));
void mount_rootfs(struct spec *sp, pid_t c);

/* ---------- veth endpoint (netlink.c) ---------- */

/* One `veth` request of the start handshake (main.c). gateway "" = no default route. */
struct veth_req { char host[16], bridge[16], ifname[16], mac[18], ip[16], gateway[16]; int prefix; };
/* Parses the words after `veth`; -1 on a malformed request. */
int veth_parse(const char *words, struct veth_req *v);
/* Makes the endpoint for container process `c`; on failure -1 with the reason in `err`. */
int veth_setup(const struct veth_req *v, pid_t c, char *err, size_t cap);

/* ---------- modes ---------- */

int run_main(const char *specfile);
int exec_main(const char *specfile);

#define BUF 32768

#endif
