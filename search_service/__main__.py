"""`python -m search_service`: the same as the `search-service` command."""

import sys

from .cli import main

sys.exit(main())
