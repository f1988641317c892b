/* SPDX-License-Identifier: GPL-3.0-or-later */
/* c-toxcore locks in memory (mlock) the two temporary buffers of every
 * packet it encrypts or decrypts: crypto_malloc and crypto_free around
 * encrypt_data_symmetric and decrypt_data_symmetric (toxcore/crypto_core.c,
 * v0.2.18), which libsodium wraps in madvise calls - eight system calls
 * per packet, each lock splitting the heap's mapping and each unlock
 * merging it again. Measured: 39 % of the daemons' CPU time while moving
 * bulk data on 127.0.0.1.
 *
 * Those buffers hold a packet's plaintext for the length of one call; the
 * same bytes pass through unlocked socket buffers on both sides, so the
 * lock protects nothing, and toxcore carries on when it fails. With a zero
 * RLIMIT_MEMLOCK and without CAP_IPC_LOCK (which root has, and which
 * overrides the limit), mlock fails at once with EPERM: toxcore then costs
 * about half the CPU per byte and the tunnel on 127.0.0.1 runs half again
 * as fast. */
#include <dlfcn.h>
#include <errno.h>
#include <sodium.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "tox/memlock.h"

/* Even failing, the locks cost: libsodium's sodium_mlock is madvise
 * (MADV_DONTDUMP) and then mlock, and sodium_munlock madvise (MADV_DODUMP)
 * and munlock, which succeeds without a lock to undo and still splits and
 * merges the heap's mapping. perf on both daemons during a bulk transfer on
 * 127.0.0.1: 19 % of their CPU time under those calls, with every mlock
 * refused.
 *
 * So this process has its own two functions by those names. toxcore calls
 * them through its PLT (libtoxcore has no -Bsymbolic), and the dynamic
 * linker resolves them to the executable's definitions first, as for
 * enet-patches/transport.c. The lock fails as the kernel's would under
 * memlock_forgo; the unlock still wipes the buffer, which is all that
 * libsodium's does here once the lock failed. */
int sodium_mlock(void *const addr, const size_t len)
{
	(void)addr;
	(void)len;
	errno = EPERM;
	return -1;
}

int sodium_munlock(void *const addr, const size_t len)
{
	sodium_memzero(addr, len);
	return 0;
}

bool memlock_interposed(void)
{
	return dlsym(RTLD_DEFAULT, "sodium_mlock") == (void *)sodium_mlock &&
	       dlsym(RTLD_DEFAULT, "sodium_munlock") == (void *)sodium_munlock;
}

bool memlock_forgo(void)
{
	struct rlimit rl;
	cap_value_t lock = CAP_IPC_LOCK;
	cap_t caps;
	bool ok;

	ok = getrlimit(RLIMIT_MEMLOCK, &rl) == 0;
	if (ok) {
		rl.rlim_cur = 0;
		ok = setrlimit(RLIMIT_MEMLOCK, &rl) == 0;
	}
	caps = cap_get_proc();
	if (!caps)
		return false;
	if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &lock, CAP_CLEAR) != 0 ||
	    cap_set_flag(caps, CAP_PERMITTED, 1, &lock, CAP_CLEAR) != 0 || cap_set_proc(caps) != 0)
		ok = false;
	cap_free(caps);
	return ok;
}
