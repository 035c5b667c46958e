"""An embedded double of 360dialog's MM Lite sandbox; imports nothing from the suite side."""
