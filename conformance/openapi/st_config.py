"""Schemathesis configuration for plain ``st run``, generated from the same profile data as `check`.

`authconform check` writes a ``schemathesis.toml`` for every run from a profile's settings
(:mod:`conformance.fuzz.config`). The same settings are shipped once per system as
``spec/<system>.schemathesis.toml``, with ``${NAME}`` environment-variable placeholders where
a run would put credentials, so a Schemathesis user gets the same verdicts with::

    st --config-file spec/fib.schemathesis.toml run spec/fib.openapi.yaml --url URL

(``--config-file`` belongs to ``st`` itself, before ``run``.)

``authconform spec schemathesis-config`` rewrites the files (``--check``: exit 1 if they are
not what the profiles give now); ``authconform spec schemathesis-env --credentials FILE``
prints the ``export`` lines the placeholders need.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from conformance.engine.credentials import load_credentials
from conformance.engine.limits import DEFAULT_MAX_EXAMPLES  # `st run --max-examples N` overrides it
from conformance.errors import UsageError
from conformance.fuzz.config import build_plan, to_toml
from conformance.profiles import Profile, discover_profiles

__all__ = [
    "DEFAULT_MAX_EXAMPLES",
    "SHIPPED_DIR",
    "config_for",
    "env_values",
    "env_vars",
    "render",
    "shipped_path",
]

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "spec"


def shipped_path(system: str, directory: Path = SHIPPED_DIR) -> Path:
    return directory / f"{system}.schemathesis.toml"


def _env_name(system: str, field: str) -> str:
    """``duktig`` + ``authKey`` -> ``AUTHCONFORM_DUKTIG_AUTH_KEY``."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", field)
    return f"AUTHCONFORM_{system}_{snake}".replace("-", "_").upper()


def env_vars(profile: Profile) -> dict[str, tuple[str, ...]]:
    """Each placeholder the profile's file uses -> where its value sits in a credentials file.

    The path is (section, field) for a section-level value such as Duktig's ``authKey``,
    (section, "users", "0", field) for a field of the section's first user.
    """
    settings = profile.schemathesis or {}
    section = profile.credentials_key
    found: dict[str, tuple[str, ...]] = {}
    for field in (settings.get("credential_headers") or {}).values():
        found[_env_name(profile.name, field)] = (section, field)
    for fields in (settings.get("user_body_fields") or {}).values():
        for user_field in fields.values():
            found[_env_name(profile.name, user_field)] = (section, "users", "0", user_field)
    return found


def config_for(profile: Profile) -> dict[str, Any]:
    """The profile's settings as `check` would write them, with credentials as placeholders."""
    settings = profile.schemathesis or {}
    placeholders = {
        field: f"${{{_env_name(profile.name, field)}}}"
        for field in (settings.get("credential_headers") or {}).values()
    }
    plan = build_plan(
        settings,
        max_examples=DEFAULT_MAX_EXAMPLES,
        seed=None,
        credentials=placeholders,
        own_checks=False,  # plain `st run` loads none of this project's hooks
    )
    config = dict(plan.config)
    # `check` masks secrets in its own evidence; a person reading `st run` output needs
    # Schemathesis' own sanitization back on.
    config.pop("output", None)
    operations = [dict(entry) for entry in config.get("operations", [])]
    for operation_id, fields in (settings.get("user_body_fields") or {}).items():
        parameters = {
            f"body.{body_field}": f"${{{_env_name(profile.name, user_field)}}}"
            for body_field, user_field in fields.items()
        }
        entry = next((e for e in operations if e["include-operation-id"] == operation_id), None)
        if entry is None:
            operations.append({"include-operation-id": operation_id, "parameters": parameters})
        else:
            entry["parameters"] = parameters
    if operations:
        config["operations"] = operations
    return config


def render(profile: Profile) -> str:
    """The shipped file's text: a header saying where it comes from and how to run it."""
    lines = [
        f"# Schemathesis configuration for spec/{profile.spec_file} ({profile.title}).",
        "# Generated from conformance/profiles by `authconform spec schemathesis-config`:",
        "# edit the profile, not this file (a test fails when the two differ).",
        "#",
        f"#   st --config-file spec/{profile.name}.schemathesis.toml \\",
        f"#       run spec/{profile.spec_file} --url URL",
    ]
    names = env_vars(profile)
    if names:
        lines += [
            "#",
            "# Needs these environment variables (from a credentials file:",
            '# eval "$(authconform spec schemathesis-env --credentials FILE)"):',
        ]
        lines += [f"#   {name}: {'.'.join(path)}" for name, path in names.items()]
    return "\n".join(lines) + "\n\n" + to_toml(config_for(profile))


def env_values(profiles: list[Profile], credentials: Mapping[str, Any]) -> dict[str, str]:
    """The placeholders' values from a parsed credentials file; a missing one is a UsageError."""
    values: dict[str, str] = {}
    for profile in profiles:
        for name, path in env_vars(profile).items():
            node: Any = credentials
            for step in path:
                if isinstance(node, list) and step.isdigit() and int(step) < len(node):
                    node = node[int(step)]
                elif isinstance(node, Mapping) and step in node:
                    node = node[step]
                else:
                    where = f"credentials {'.'.join(path)}"
                    raise UsageError(where, f"missing (needed for ${name})")
            values[name] = str(node)
    return values


# --- command line (under `authconform spec`) -----------------------------------------------


def configure(actions: Any) -> None:
    """Add ``schemathesis-config`` and ``schemathesis-env`` to `authconform spec`'s subcommands."""
    systems = sorted(discover_profiles())
    write = actions.add_parser(
        "schemathesis-config",
        help="write spec/<system>.schemathesis.toml from the profiles (for plain `st run`)",
        description="Write the Schemathesis configuration shipped for plain `st run` from the "
        "profiles' settings (the ones `authconform check` uses). With --check, write nothing "
        "and exit 1 when a file differs from what the profiles give.",
    )
    write.add_argument("--api", choices=[*systems, "all"], default="all")
    write.add_argument("--check", action="store_true", help="compare only; exit 1 on a difference")
    write.add_argument(
        "--dir", type=Path, default=SHIPPED_DIR, help=f"where the files go (default: {SHIPPED_DIR})"
    )
    env = actions.add_parser(
        "schemathesis-env",
        help="print the export lines the shipped Schemathesis configuration needs",
        description="Print `export NAME=value` lines for the environment variables the "
        'shipped configuration reads, e.g. eval "$(authconform spec schemathesis-env '
        '--credentials creds.json)".',
    )
    env.add_argument("--api", choices=[*systems, "all"], default="all")
    env.add_argument("--credentials", metavar="FILE", required=True)


def _chosen(api: str) -> list[Profile]:
    profiles = discover_profiles()
    return list(profiles.values()) if api == "all" else [profiles[api]]


def run_config(args: argparse.Namespace) -> int:
    stale = []
    for profile in _chosen(args.api):
        path = shipped_path(profile.name, args.dir)
        text = render(profile)
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise UsageError(f"{path}", exc.strerror or str(exc)) from exc
            print(f"wrote {path}")
    if args.check:
        for path in stale:
            print(
                f"{path}: differs from what the profiles give (run authconform spec "
                "schemathesis-config)"
            )
        return 1 if stale else 0
    if not stale:
        print("schemathesis config: every file is current")
    return 0


def run_env(args: argparse.Namespace) -> int:
    credentials = load_credentials(args.credentials)
    profiles = _chosen(args.api)
    if args.api == "all":  # every system the file has a section for
        profiles = [p for p in profiles if p.credentials_key in credentials]
    values = env_values(profiles, credentials)
    for name, value in values.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0
