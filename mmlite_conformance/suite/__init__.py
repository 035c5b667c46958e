"""The conformance suite: everything that states and checks what 360dialog must do; never imported by the emulator."""
