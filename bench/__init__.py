"""Benchmarks that print ratios against baselines measured in the same run.

Run each from the repository root as a module, e.g. ``python -m bench.reports --rows 20000``.
"""
