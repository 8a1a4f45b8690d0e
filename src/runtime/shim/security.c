/*
 * The last steps before execve, shared by the container's PID 1 and every exec, in runc's
 * order (libcontainer/standard_init_linux.go, finalizeNamespace):
 *   1. drop the bounding set (needs CAP_SETPCAP: still root with every capability here)
 *   2. no_new_privs when asked
 *   3. without no_new_privs, seccomp now: loading a filter then needs CAP_SYS_ADMIN (in the
 *      process's user namespace), which step 5 takes away
 *   4. supplementary groups, gid, uid (a non-root uid clears permitted and effective, as
 *      execve would for docker's non-root users)
 *   5. permitted = effective = cap_permitted, inheritable and ambient empty (docker's values)
 *   6. with no_new_privs, seccomp as late as possible: md_seccomp_late() right before execve,
 *      so the filter need not allow the shim's own last syscalls
 * Everything here is decided by the TypeScript runtime (src/runtime/security/).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "shim.h"
#ifdef MD_SECCOMP
#include "md_seccomp.h"
#endif

int md_seccomp_open(const struct spec *sp)
{
	if (!sp->seccomp) return -1;
#ifndef MD_SECCOMP
	errno = ENOSYS;
	fail("seccomp %s: this shim was built without seccomp support", sp->seccomp);
#else
	int in = open(sp->seccomp, O_RDONLY | O_CLOEXEC);
	if (in < 0) fail("open seccomp rules %s", sp->seccomp);
	int mfd = memfd_create("minidock-seccomp", MFD_CLOEXEC);
	if (mfd < 0) fail("memfd_create for seccomp rules");
	char buf[8192];
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(mfd, buf, n) < 0) fail("copy seccomp rules %s", sp->seccomp);
	if (n < 0) fail("read seccomp rules %s", sp->seccomp);
	close(in);
	return mfd;
#endif
}

static void seccomp_apply(const struct spec *sp, int fd)
{
#ifdef MD_SECCOMP
	/* the rules' host path is out of reach after pivot_root/chroot; the memfd is not */
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	int r = md_seccomp_apply(p);
	if (r < 0) { errno = -r; fail("load seccomp filter from %s", sp->seccomp); }
	close(fd);
#else
	(void)sp; (void)fd;
#endif
}

static int capset_v3(uint64_t permitted, uint64_t effective, uint64_t inheritable)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)effective, .permitted = (uint32_t)permitted, .inheritable = (uint32_t)inheritable },
		{ .effective = (uint32_t)(effective >> 32), .permitted = (uint32_t)(permitted >> 32), .inheritable = (uint32_t)(inheritable >> 32) },
	};
	return syscall(SYS_capset, &h, d);
}

void drop_privileges(const struct spec *sp, int seccomp_fd)
{
	/* PR_CAPBSET_READ fails (EINVAL) past the kernel's last capability */
	for (int c = 0; c < 64 && prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if (!(sp->cap_bounding & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0) fail("drop capability %d from the bounding set", c);
	if (sp->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail("set no_new_privs");
	if (!sp->nnp && seccomp_fd >= 0) seccomp_apply(sp, seccomp_fd);
	if (setgroups(sp->ngroups, sp->groups) < 0) fail("set supplementary groups of user %lld", sp->uid);
	if (setresgid(sp->gid, sp->gid, sp->gid) < 0) fail("set gid %lld", sp->gid);
	if (setresuid(sp->uid, sp->uid, sp->uid) < 0) fail("set uid %lld", sp->uid);
	if (capset_v3(sp->cap_permitted, sp->cap_permitted, 0) < 0) fail("set capabilities of uid %lld", sp->uid);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL) fail("clear ambient capabilities");
}

void md_seccomp_late(const struct spec *sp, int seccomp_fd)
{
	if (sp->nnp && seccomp_fd >= 0) seccomp_apply(sp, seccomp_fd);
}
