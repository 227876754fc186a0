"""Profiles: one per documented system, discovered by walking this package.

Adding a system means adding ``profiles/<module>.py`` with ``PROFILE = Profile(...)``;
nothing else is edited. A profile names its spec file, its credentials section, the
modules whose import registers its protocol checks, and its Schemathesis settings.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from typing import Any

from conformance.errors import UsageError

__all__ = ["Profile", "discover_profiles", "get_profile", "load_checks"]


@dataclass(frozen=True)
class Profile:
    """What the suite needs to know about one system to check it."""

    name: str  # system name as in spec/<name>.openapi.yaml and the credentials file
    title: str
    spec_file: str
    credentials_key: str
    check_modules: tuple[str, ...] = ()
    # Per-profile Schemathesis settings, read by conformance.fuzz.run. Known keys:
    # "positive_data_acceptance": {"expected_statuses": [...]},
    # "disabled_checks": {check_name: reason}, "phases": {...}.
    schemathesis: dict[str, Any] = field(default_factory=dict)


def discover_profiles() -> dict[str, Profile]:
    """Every profile module in this package, by system name, in module-name order."""
    found: dict[str, Profile] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        profile = getattr(module, "PROFILE", None)
        if isinstance(profile, Profile):
            found[profile.name] = profile
    return found


def get_profile(name: str) -> Profile:
    """The profile called ``name``, or a UsageError listing the known ones."""
    profiles = discover_profiles()
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise UsageError(f"--api {name}", f"no such system (known: {known})")
    return profiles[name]


def load_checks(profile: Profile) -> None:
    """Import the profile's check modules so their checks register themselves."""
    for module in profile.check_modules:
        importlib.import_module(module)
