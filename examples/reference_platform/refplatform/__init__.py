"""A reference partner platform for 360dialog's WhatsApp MM Lite API (standard library only).

Modules, in reading order:

* ``api``       - the 360dialog HTTP client and the classification of its error answers
* ``core``      - the platform: templates, routing, onboarding, the send queue and its error reactions
* ``webhooks``  - parsing of incoming notifications and signature checks
* ``service``   - the long-running process: control API for the driver, webhook endpoint, send worker
* ``driver``    - the per-action command the conformance suite runs (driver protocol version 1)
* ``statefile`` - where the running service records its pid and control URL
* ``defects``   - the catalogue of deliberately broken variants (for proving the suite can fail)
"""
