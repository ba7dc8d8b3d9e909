"""A local stand-in for Poynt Cloud and Google FCM, for development and tests."""

from .app import create_app

__all__ = ["create_app"]
