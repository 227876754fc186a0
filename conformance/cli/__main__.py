"""`python -m conformance.cli`: the same as the `authconform` command."""

import sys

from conformance.cli.main import main

sys.exit(main())
