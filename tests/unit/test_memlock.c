/* memlock_forgo (daemon/tox/memlock.c): afterwards a lock fails at once, as
 * toxcore's per-packet locks then do (the integration tests run daemons that
 * move data that way). */
#include <errno.h>
#include <sys/mman.h>

#include "check.h"
#include "tox/memlock.h"

static void test_lock_fails(void)
{
	static char page[4096] __attribute__((aligned(4096)));

	CHECK(memlock_forgo());
	errno = 0;
	CHECK(mlock(page, sizeof(page)) != 0);
	CHECK(errno == EPERM);
	/* And it stays so: the capability cannot come back. */
	CHECK(memlock_forgo());
	CHECK(mlock(page, sizeof(page)) != 0);
}

int main(void)
{
	RUN(test_lock_fails);
	return check_report();
}
