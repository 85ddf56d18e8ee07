"""``python -m pemdesk`` is the same as the ``pemdesk`` command."""

import sys

from pemdesk.cli import main

sys.exit(main())
