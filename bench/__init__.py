"""Benchmarks: ./dev bench [figure ...]. Each figure is measured beside a baseline in the same run.

A module bench/fig_<area>.py defines FIGURES = {"name": function}; a function sets up what it needs
in the benchmark database (DATABASE_URL, PostgreSQL) and returns a dict with at least
value, unit, baseline and ratio (value / baseline, so higher is better unless 'lower_is_better').
"""
