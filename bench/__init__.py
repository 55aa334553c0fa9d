"""Benchmarks that print figures and ratios: `python -m bench` runs them all quickly, `python -m bench.<name>` one."""
