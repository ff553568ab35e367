"""Integration tests that attack the process as a rep would (run on a bench, never by pytest in CI)."""
