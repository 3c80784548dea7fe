"""Sphericity Studio's PySide6 application and its command line."""
