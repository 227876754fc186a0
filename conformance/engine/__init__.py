"""Runs checks against one target and hands back results; prints and writes nothing.

The runner walks the registered checks in order, gives each a context (bounded HTTP client,
accounts, what earlier checks learned), and passes every result through the masking gate
before any output sees it.
"""
