"""push feature."""
