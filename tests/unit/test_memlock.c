/* SPDX-License-Identifier: GPL-3.0-or-later */
/* memlock_forgo (daemon/tox/memlock.c): afterwards a lock fails at once, as
 * toxcore's per-packet locks then do (the integration tests run daemons that
 * move data that way). */
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "tox/memlock.h"

/* The system call itself: AddressSanitizer intercepts mlock() and returns
 * 0 without locking anything. */
static long lock(void *p, size_t n) { return syscall(SYS_mlock, p, n); }

static void test_lock_fails(void)
{
	static char page[4096] __attribute__((aligned(4096)));

	CHECK(memlock_forgo());
	errno = 0;
	CHECK(lock(page, sizeof(page)) != 0);
	CHECK(errno == EPERM);
	/* And it stays so: the capability cannot come back. */
	CHECK(memlock_forgo());
	CHECK(lock(page, sizeof(page)) != 0);
}

/* toxcore's per-packet locks reach this executable's functions, which make
 * no system call, and the unlock still wipes the buffer. */
static void test_interposed(void)
{
	unsigned char buf[64];

	CHECK(memlock_interposed());
	memset(buf, 0xa5, sizeof(buf));
	errno = 0;
	CHECK(sodium_mlock(buf, sizeof(buf)) == -1);
	CHECK(errno == EPERM);
	CHECK(sodium_munlock(buf, sizeof(buf)) == 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		CHECK_EQ_I(buf[i], 0);
}

int main(void)
{
	RUN(test_lock_fails);
	RUN(test_interposed);
	return check_report();
}
