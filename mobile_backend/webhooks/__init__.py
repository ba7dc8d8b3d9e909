"""webhooks feature."""
