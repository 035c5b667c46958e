"""Certifying a partner's own platform: its settings, the driver protocol, the emulator's journal and the judging."""
