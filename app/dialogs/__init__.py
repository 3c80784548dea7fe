"""Dialogs of the window: start, identity, import, shortcuts and preferences."""
