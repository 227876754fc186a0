"""Capacity search: step the arrival rate to the highest that meets the SLO, judge each
step, chart the answer."""
