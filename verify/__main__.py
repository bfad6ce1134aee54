"""``python -m verify`` is ``slt-verify``."""

import sys

from verify.cli import main

sys.exit(main())
