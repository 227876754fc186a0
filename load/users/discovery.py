"""Find the Locust user classes of every module in ``load.scenarios``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from locust import User

import load.scenarios

__all__ = ["scenario_users"]


def scenario_users() -> dict[str, type[User]]:
    """Class name -> class, for each non-abstract user defined in a scenario module."""
    found: dict[str, type[User]] = {}
    for info in pkgutil.iter_modules(load.scenarios.__path__):
        module = importlib.import_module(f"load.scenarios.{info.name}")
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, User)
                and not obj.abstract
                and obj.__module__ == module.__name__
            ):
                found[name] = obj
    return found
