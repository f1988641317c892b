# SPDX-License-Identifier: GPL-3.0-or-later
import sys

from .main import main

sys.exit(main())
