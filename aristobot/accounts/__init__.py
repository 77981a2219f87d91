"""User accounts and preferences."""
