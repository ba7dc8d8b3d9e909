"""Tests of the Poynt and FCM sandbox."""
