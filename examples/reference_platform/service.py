#!/usr/bin/env python3
"""Reference platform service: `python3 service.py --port 8090` (then send it a connect action)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from refplatform.service import main

if __name__ == "__main__":
    sys.exit(main())
