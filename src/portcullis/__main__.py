"""Allow ``python -m portcullis``."""

from __future__ import annotations

from portcullis.cli import main

raise SystemExit(main())
