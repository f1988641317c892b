/* memlock_forgo (daemon/tox/memlock.c): afterwards a lock fails at once, as
 * toxcore's per-packet locks then do (the integration tests run daemons that
 * move data that way). */
#include <errno.h>
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

int main(void)
{
	RUN(test_lock_fails);
	return check_report();
}
