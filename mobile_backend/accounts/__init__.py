"""Consumer and staff accounts: sign-up, sign-in, sessions, devices, roles."""
