"""`authconform spec`: check the docs against the specs, and write Schemathesis' own config.

``spec check`` prints each difference between docs/apis/<system>/*.md and
spec/<system>.openapi.yaml on one line; exit 1 on drift, 0 when clean, 2 when a directory or
file is missing. ``schemathesis-config`` and ``schemathesis-env`` live in
:mod:`conformance.openapi.st_config`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from conformance.errors import UsageError
from conformance.openapi.drift import check_system
from conformance.openapi.files import SYSTEMS, docs_dirs, spec_path
from conformance.openapi.files import docs_dir as default_docs_dir

__all__ = ["configure", "run"]


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(
        dest="spec_command",
        metavar="{check,schemathesis-config,schemathesis-env}",
        required=True,
    )
    check = actions.add_parser(
        "check",
        help="compare docs/apis/<system>/*.md with spec/<system>.openapi.yaml",
        description="Report every difference between the docs pages and the OpenAPI specs "
        "(paths, methods, request fields, headers, response codes, examples), and "
        "validate the specs. Exit 1 on drift, 0 when clean.",
    )
    check.add_argument("--api", choices=[*SYSTEMS, "all"], default="all")
    check.add_argument(
        "--docs-dir",
        type=Path,
        default=None,
        help="directory holding <system>/*.md (default: the repository's docs/apis, else the "
        "copy installed with the package)",
    )
    check.add_argument(
        "--spec-dir",
        type=Path,
        default=None,
        help="directory holding <system>.openapi.yaml (default: the usual spec lookup)",
    )
    from conformance.openapi import st_config

    st_config.configure(actions)


def run(args: argparse.Namespace) -> int:
    if args.spec_command != "check":
        from conformance.openapi import st_config

        runner = {"schemathesis-config": st_config.run_config}.get(
            args.spec_command, st_config.run_env
        )
        return runner(args)
    docs_dir = args.docs_dir or default_docs_dir()
    if not docs_dir.is_dir():
        tried = ", ".join(str(d) for d in ([docs_dir] if args.docs_dir else docs_dirs()))
        raise UsageError(f"docs directory {docs_dir}", f"not found in {tried} (use --docs-dir)")
    root = docs_dir.resolve().parent.parent
    systems = SYSTEMS if args.api == "all" else (args.api,)
    drift = []
    for system in systems:
        if args.spec_dir is not None:
            spec_file = args.spec_dir / f"{system}.openapi.yaml"
            if not spec_file.is_file():
                raise UsageError(f"spec file {spec_file}", "not found")
        else:
            spec_file = spec_path(system)
        drift.extend(check_system(system, docs_dir.resolve(), spec_file, root))
    for line in drift:
        print(line)
    if drift:
        print(f"spec check: {len(drift)} difference(s) between docs and spec")
        return 1
    print(f"spec check: docs and spec agree ({', '.join(systems)})")
    return 0
