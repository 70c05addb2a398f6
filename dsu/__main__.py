"""Run the dsu command as ``python -m dsu``."""

import sys

from dsu import main

sys.exit(main())
