"""`python -m enrich …`: the command line."""

import sys

from enrich.cli import main

sys.exit(main())
