"""authconform's Locust entry point.

    locust -f load/locustfile.py --host http://127.0.0.1:8000 --credentials creds.json

Offers every user class in ``load/scenarios/``. A plain run is FIB signing-plus-login
(``FibLoginUser``); the rest run when named (``FibSessionUser``, ``UserApiLoginUser``,
``UserApiSignupUser``, ``DuktigLoginUser``) or tagged (``--tags session``, ``user-api``,
``duktig``, ``signup``, or ``login`` for every system's login); see
docs/guides/load-testing.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

try:
    import load
except ImportError:  # run as a file from elsewhere without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import load.users.hooks  # noqa: F401  (registers the options, selection and thresholds)
from load.users.discovery import scenario_users

globals().update(scenario_users())

if __name__ == "__main__":
    from locust import run_single_user

    from load.scenarios.fib import FibLoginUser

    run_single_user(FibLoginUser)
