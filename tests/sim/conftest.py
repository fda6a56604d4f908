"""record_fixtures.py starts a real cluster when run by hand; it is never a test module."""

collect_ignore = ["record_fixtures.py"]
