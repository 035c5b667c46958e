"""What the contract fixes about requests (paths, header names, hosts): the one module both suite and emulator import.

Never expected answers (codes, bodies, statuses): those are written twice on purpose, once per side.
"""

from __future__ import annotations

from typing import Final

#: the header that carries the API key; 360dialog's curl examples send the bare key
API_KEY_HEADER: Final = "D360-API-KEY"
#: 360dialog's webhook signature header (documented for the partner webhook)
SIGNATURE_HEADER: Final = "X-360dialog-Signature"

#: the Cloud API host of 360dialog, where /messages, /marketing_messages (GA) and the configuration routes live
CLOUD_API_HOST: Final = "waba-v2.360dialog.io"
CLOUD_API_BASE_URL: Final = f"https://{CLOUD_API_HOST}"
# The guide gives this host in its comparison table; its step 2a spells it
# `alpha-beta-onboarding.hub-production.360dialog.io` (a dot instead of the hyphen). No other public page names
# either, so the hyphenated form is the default and MMLITE_MM_LITE_URL overrides it for live runs.
ALPHA_MM_LITE_HOST: Final = "alpha-beta-onboarding-hub-production.360dialog.io"

MESSAGES_PATH: Final = "/messages"
MARKETING_MESSAGES_PATH: Final = "/marketing_messages"
#: the alpha guide's MM Lite route on its onboarding host
ALPHA_MARKETING_MESSAGES_PATH: Final = "/mmlite/marketing_messages"
ALPHA_MM_LITE_URL: Final = f"https://{ALPHA_MM_LITE_HOST}{ALPHA_MARKETING_MESSAGES_PATH}"
WABA_WEBHOOK_PATH: Final = "/waba_webhook"
PHONE_WEBHOOK_PATH: Final = "/v1/configs/webhook"
TEMPLATES_PATH: Final = "/v1/configs/templates"

#: default TCP port per URL scheme
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
