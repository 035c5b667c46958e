"""../shared beside the clone (contract examples, Meta's OpenAPI): skipped where absent, required under CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: set to 1 by .ci/run (and by partners' CI through it): a missing ../shared fails instead of skipping
REQUIRE_VARIABLE = "MMLITE_REQUIRE_SHARED"
#: another folder read in place of ../shared (tests use it to simulate a clone without one)
DIR_VARIABLE = "MMLITE_SHARED_DIR"

SHARED = Path(os.environ.get(DIR_VARIABLE) or Path(__file__).resolve().parents[2] / "shared")
EXAMPLES = SHARED / "contract" / "examples"
META_OPENAPI = SHARED / "reference" / "meta-openapi" / "business-messaging-api_v23.0.yaml"


def require_shared(path: Path) -> Path:
    """`path` if it exists; otherwise skip the test, or fail it when MMLITE_REQUIRE_SHARED=1."""
    if path.exists():
        return path
    reason = f"{path} is absent (the contract examples and Meta's OpenAPI are read from {SHARED} at test time)"
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(f"{reason}, and {REQUIRE_VARIABLE}=1 requires it", pytrace=False)
    pytest.skip(reason)
