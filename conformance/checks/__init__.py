"""Protocol checks, one module per system and claim family (``fib.login``, ``duktig.schema``).

Importing a module registers its checks (see :mod:`conformance.checks.registry`); a profile
lists the modules to import, in report order. Helpers several systems use (JWT reading,
envelope checks, judging answers by the spec) live in ``common``, the refusal controls in
``controls``, the operator-injection probes in ``injection``; a system's own helpers
live in its package (``fib.login_common``, ``fib.session_common``, ``duktig.common``) and
register nothing.
"""
