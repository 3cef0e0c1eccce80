"""``python -m thermotheory``: the command line."""

from .cli import main

raise SystemExit(main())
