"""The Poynt Cloud API client: app and merchant auth, tokens, resources."""
