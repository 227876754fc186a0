"""`python -m conformance`: the same as the `authconform` command."""

import sys

from conformance.cli import main

sys.exit(main())
