"""orders feature."""
