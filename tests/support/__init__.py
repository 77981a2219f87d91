"""Test support code: databases, fakes and servers used by the test suite (never shipped)."""
