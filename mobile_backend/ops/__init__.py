"""ops feature."""
