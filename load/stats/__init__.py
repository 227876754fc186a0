"""Figures of a run, free of Locust: HDR latency tallies, stats rows, thresholds, the
open-model report."""
