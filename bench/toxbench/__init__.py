"""toxtun's benchmark harness; bench/run is its entry point (see main.py)."""
