# SPDX-License-Identifier: GPL-3.0-or-later
"""test_outage.py with a 5-minute outage: a 100 MB download survives 300 s
without any path between the two sides (`[link] outage_timeout` is 600 s by
default) and resumes over the same connection once the path returns.

Over 6 minutes of mostly idle waiting: the sanitizer build (TOXTUN_SANITIZED=1,
set by tests/CMakeLists.txt) skips it; the 60-second outage runs there.
"""

import os

import test_outage
import toxnet

OUTAGE = 300


def body(sc):
    if os.environ.get("TOXTUN_SANITIZED") == "1":
        sc.skip("a %d s outage runs only in the normal build (TOXTUN_SANITIZED=1)" % OUTAGE)
    test_outage.outage_during_download(sc, OUTAGE, "outage")


if __name__ == "__main__":
    toxnet.main("outage-long", body)
