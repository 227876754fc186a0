"""Locust user machinery every scenario builds on: the abstract base, accounts, answer
checks, the open-model arrival user and its schedule, the run's options and thresholds."""
