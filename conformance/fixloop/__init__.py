"""The fix loop: compare a run with an earlier one (baselines), replay what failed.

Everything here reads and writes the report.json document, the one interface between
runs: a baseline or a replay needs nothing but the old report directory.
"""
