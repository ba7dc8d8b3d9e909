"""merchants feature."""
