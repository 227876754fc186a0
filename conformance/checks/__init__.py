"""Protocol checks, one module per system and area (``fib_login``, ``fib_session``, ...).

Importing a module registers its checks (see :mod:`conformance.checks.registry`); a profile
lists the modules to import. Helpers shared by several modules live in ``common``.
"""
