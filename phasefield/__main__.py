"""``python -m phasefield`` is the ``phasefield`` command."""

import sys

from .cli import main

sys.exit(main())
