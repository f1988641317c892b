# SPDX-License-Identifier: GPL-3.0-or-later
"""toxtun's benchmark harness; bench/run is its entry point (see main.py)."""
