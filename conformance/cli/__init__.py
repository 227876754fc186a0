"""The `authconform` command line: parse arguments, build settings, pick outputs, exit codes.

Nothing here judges a server; each subcommand hands its settings to the engine (checks),
to ``load`` (Locust) or to ``reference_impl`` (serve) and turns the answer into an exit code.
"""

from conformance.cli.main import SUBCOMMANDS, main

__all__ = ["SUBCOMMANDS", "main"]
