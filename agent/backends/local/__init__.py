"""The embedded Partner Central sandbox on SQLite."""
