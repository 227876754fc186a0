"""``python -m reference_impl``: the same as ``authconform serve``."""

import sys

from reference_impl.serving.cli import main

sys.exit(main())
