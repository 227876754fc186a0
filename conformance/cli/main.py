"""The `authconform` command: one dispatcher, subcommands imported only when chosen.

Each subcommand module exposes ``configure(parser)`` and ``run(args) -> int``; only the
chosen one is imported, so `authconform sign` stays quick and never loads Schemathesis.
Every deliberate error (AuthconformError) becomes one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from conformance.errors import AuthconformError
from conformance.textsafe import one_line

__all__ = ["SUBCOMMANDS", "main"]

# name -> (module, configure function, run function, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str, str, str]] = {
    "check": (
        "conformance.cli.check",
        "configure",
        "run",
        "check a server (default: the embedded reference server) against the documents",
    ),
    "serve": ("reference_impl.serving.cli", "configure", "run", "run the reference server"),
    "sign": (
        "conformance.cli.keys",
        "configure_sign",
        "run_sign",
        "print the FIB login signature of an email",
    ),
    "verify": (
        "conformance.cli.keys",
        "configure_verify",
        "run_verify",
        "say whether a FIB login signature is valid (exit 0 valid, 1 invalid)",
    ),
    "keygen": (
        "conformance.cli.keys",
        "configure_keygen",
        "run_keygen",
        "print a new Ed25519 key pair as hex",
    ),
    "spec": (
        "conformance.cli.spec",
        "configure",
        "run",
        "compare the docs with the OpenAPI specs (`authconform spec check`)",
    ),
    "load": ("load.command", "configure", "run", "run a load scenario with Locust"),
    "replay": (
        "conformance.cli.replay",
        "configure",
        "run",
        "re-run what failed in an earlier report: FIXED, STILL FAILING or CHANGED",
    ),
}

EXIT_USAGE = 2


def _version() -> str:
    from importlib import metadata

    try:
        return f"authconform {metadata.version('authconform')}"
    except metadata.PackageNotFoundError:
        return "authconform (version unknown: not installed)"


class _Unavailable(Exception):
    def __init__(self, command: str, module: str) -> None:
        super().__init__(f"authconform {command}: not available ({module} is not installed)")


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line, found before argparse sees it."""
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in SUBCOMMANDS else None
    return None


def _load(command: str) -> tuple:
    module_name, configure_name, run_name, _ = SUBCOMMANDS[command]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        # Only the subcommand's own module (or its package) missing is "unavailable";
        # a missing import deeper down is a real bug and keeps its traceback.
        if exc.name and module_name.startswith(exc.name):
            raise _Unavailable(command, module_name) from exc
        raise
    return getattr(module, configure_name), getattr(module, run_name)


def build_parser(command: str | None) -> tuple[argparse.ArgumentParser, dict]:
    """The parser, with only ``command``'s options configured (the others listed by name)."""
    parser = argparse.ArgumentParser(
        prog="authconform",
        description="Documentation-driven conformance and load tests for login/session APIs "
        "(FIB, User API, Duktig).",
        epilog="Exit status: 0 ok/conformant, 1 not conformant/invalid, 2 usage or target error.",
    )
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    runners = {}
    for name, (_, _, _, help_text) in SUBCOMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == command:
            configure, runner = _load(name)
            configure(sub)
            runners[name] = runner
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = _chosen(argv)
    try:
        parser, runners = build_parser(command)
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        return int(runners[args.command](args))
    except _Unavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AuthconformError as exc:
        # The reason may quote the target (a Location, a media type): shown, never obeyed.
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
