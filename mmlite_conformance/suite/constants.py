"""The suite's own constants, defined once: placeholders in evidence, the requirement tag, the control prefix."""

from __future__ import annotations

import re
from typing import Final

#: what stands for the run's API key in every artefact; a reproducer reads it from $D360_API_KEY
API_KEY_PLACEHOLDER: Final = "<D360-API-KEY>"
#: what stands for the key of a number not onboarded to MM Lite (S3c); read from $D360_NOT_ONBOARDED_API_KEY
NOT_ONBOARDED_API_KEY_PLACEHOLDER: Final = "<D360-NOT-ONBOARDED-API-KEY>"
#: what stands for a credential the redactor does not know (a cookie, another service's token): never reproducible
UNKNOWN_CREDENTIAL_PLACEHOLDER: Final = "<REDACTED>"
#: each secret's placeholder -> the environment variable a reproducer (curl) reads the secret from
SECRET_PLACEHOLDERS: Final = {
    API_KEY_PLACEHOLDER: "D360_API_KEY",
    NOT_ONBOARDED_API_KEY_PLACEHOLDER: "D360_NOT_ONBOARDED_API_KEY",
}
#: the webhook URL shown where no receiver exists (replay); `.invalid` never resolves (RFC 6761)
RECEIVER_PLACEHOLDER_URL: Final = "https://webhook.receiver.invalid/webhook"
#: the emulator's control endpoints as the suite calls them: never part of the contract, never recorded
EMULATOR_CONTROL_PREFIX: Final = "/_emulator"
#: a Gherkin tag naming a requirement: a guide step (S1a, S2b, SCa ...) or a platform requirement (P...)
REQUIREMENT_TAG: Final = re.compile(r"(?:S[0-9A-Z]|P[0-9A-Z])[0-9A-Za-z]*")
#: the folder of features/ that holds the platform requirements (run only by the platform target)
PLATFORM_FEATURES: Final = "platform"
