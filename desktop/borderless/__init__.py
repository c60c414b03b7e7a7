"""Borderless: see where your data goes."""

__version__ = "0.1.0"
