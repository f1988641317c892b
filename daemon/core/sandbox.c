/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The seccomp sandbox (core/sandbox.h).
 *
 * Anyone who knows a server's Tox ID can make its parsers read bytes of
 * their choosing. Once start-up is done (profile loaded, listeners bound,
 * control socket made, node up), the daemon confines itself to the system
 * calls it needs: a parser bug can then not become a shell (no execve),
 * nor a new process, a ptrace or a module load. The list covers what a
 * reload does (new listening sockets, the ini read again, the profile
 * saved by rename) and what glibc's resolver does in getaddrinfo_a's
 * threads (NSS files, a netlink socket, UDP to the name server).
 *
 * A call outside the list fails with EPERM rather than killing the daemon:
 * every tunnel of every user would go with it, for what is more likely a
 * system call a new glibc makes than an attack. The kernel reports it to a
 * SIGSYS handler (SECCOMP_RET_TRAP), which writes one log line naming the
 * call and makes it return -EPERM. */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "core/sandbox.h"
#include "toxtun/log.h"

static const int allowed[] = {
	/* files: the ini on reload, the profile saved atomically, /proc for
	 * the relay watch, the resolver's /etc files and NSS modules */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
	SCMP_SYS(pwrite64), SCMP_SYS(close), SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(lseek),
	SCMP_SYS(fcntl), SCMP_SYS(ioctl), SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3),
	SCMP_SYS(pipe2), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),
	SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(fchmod),
	SCMP_SYS(fchmodat), SCMP_SYS(chmod), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(ftruncate), SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(getdents64), SCMP_SYS(getcwd),
	SCMP_SYS(umask),
	/* memory */
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect), SCMP_SYS(mremap), SCMP_SYS(brk),
	SCMP_SYS(madvise), SCMP_SYS(mlock), SCMP_SYS(munlock),
	/* the event loop, timers and signals */
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(epoll_pwait2), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select),
	SCMP_SYS(pselect6), SCMP_SYS(eventfd2), SCMP_SYS(signalfd4), SCMP_SYS(timerfd_create),
	SCMP_SYS(timerfd_settime), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack), SCMP_SYS(kill), SCMP_SYS(tgkill), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(getppid),
	/* sockets: Tox, ENet's own, listeners, dialled destinations, the
	 * control socket, the resolver's netlink and DNS sockets */
	SCMP_SYS(socket), SCMP_SYS(socketpair), SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(accept),
	SCMP_SYS(accept4), SCMP_SYS(connect), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvmmsg),
	SCMP_SYS(shutdown),
	/* threads (the resolver's), randomness, identity, limits */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list),
	SCMP_SYS(get_robust_list), SCMP_SYS(rseq), SCMP_SYS(set_tid_address), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(membarrier), SCMP_SYS(prctl), SCMP_SYS(getrandom), SCMP_SYS(getuid),
	SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(uname), SCMP_SYS(sysinfo),
	SCMP_SYS(getrlimit), SCMP_SYS(prlimit64), SCMP_SYS(getrusage), SCMP_SYS(times),
};

/* Names of the calls by number, resolved before the filter is loaded: the
 * SIGSYS handler may call nothing that allocates. */
#define NAMED_MAX 512
static char names[NAMED_MAX][24];

static void put(char **p, const char *end, const char *s)
{
	while (*s && *p < end)
		*(*p)++ = *s++;
}

static void on_sigsys(int sig, siginfo_t *si, void *context)
{
	char line[128], num[16], *p = line, *end = line + sizeof(line) - 1;
	int nr = si->si_syscall, n = 0, saved = errno;
	unsigned v = nr < 0 ? 0 : (unsigned)nr;

	do
		num[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < (int)sizeof(num));
	put(&p, end, "WARN  sandbox: system call ");
	put(&p, end, nr >= 0 && nr < NAMED_MAX && names[nr][0] ? names[nr] : "?");
	put(&p, end, " (");
	while (n && p < end)
		*p++ = num[--n];
	put(&p, end, ") refused: not in the daemon's allowlist (core/sandbox.c)\n");
	(void)!write(STDERR_FILENO, line, (size_t)(p - line));
#ifdef __x86_64__
	((ucontext_t *)context)->uc_mcontext.gregs[REG_RAX] = -EPERM;
#endif
	errno = saved;
}

bool sandbox_supported(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	return false;
#else
	return true;
#endif
#else
	return true;
#endif
}

bool sandbox_enter(char *err, size_t errlen)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
	/* Outside x86_64 the handler cannot set the call's result: refuse it
	 * with EPERM at once, unlogged. */
#ifdef __x86_64__
	uint32_t deny = SCMP_ACT_TRAP;
#else
	uint32_t deny = SCMP_ACT_ERRNO(EPERM);
#endif
	scmp_filter_ctx ctx;
	int rc = 0;

	for (int nr = 0; nr < NAMED_MAX; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name)
			snprintf(names[nr], sizeof(names[nr]), "%s", name);
		free(name);
	}
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		snprintf(err, errlen, "SIGSYS handler: %s", strerror(errno));
		return false;
	}
	ctx = seccomp_init(deny);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return false;
	}
	/* no_new_privs is libseccomp's default (SCMP_FLTATR_CTL_NNP): set
	 * before the filter, so no setuid program could be run even if
	 * execve were allowed. */
	/* A call this kernel's architecture lacks is skipped (libseccomp
	 * refuses its rule); a filter without it is still right. */
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* New threads, not new processes: clone only with CLONE_THREAD. clone3
	 * passes its flags in memory, which a filter cannot read: it fails
	 * with ENOSYS, and glibc then falls back to clone. */
	seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	                 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		snprintf(err, errlen, "seccomp: %s", strerror(-rc));
		return false;
	}
	return true;
}
