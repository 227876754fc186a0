"""Schemathesis on the documented specs, in a bounded child process, read back as results.

The child is capped in time, memory and response bytes; what it finds is mapped onto the
suite's own outcomes (a target's fault, an advisory, not applicable) and evidence.
"""
