"""Run the dsu command as ``python -m course.cli``."""

import sys

from course.cli import main

sys.exit(main())
