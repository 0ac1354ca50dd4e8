"""Browser journeys (Playwright + Debian's Chromium). A package, so that its conftest is
imported as e2e.conftest and never shadows tests/conftest.py, which other modules import as
`conftest`."""
