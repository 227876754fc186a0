"""Runs checks against one target and hands back results; prints and writes nothing.

``settings`` is the run's one frozen settings object; ``target`` makes sure of the systems,
users and target before a run; the runner walks the registered checks in order, gives each
a context (bounded HTTP client, accounts, the settings, what earlier checks learned), runs
the Schemathesis stage (``fuzz_stage``) and passes every result through the gate (``gate``)
before any output sees it. Progress goes only to the callback the caller gives.
"""
