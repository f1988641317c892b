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
#include <sys/capability.h>
#include <sys/resource.h>

#include "tox/memlock.h"

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
