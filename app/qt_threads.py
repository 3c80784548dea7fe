"""Bookkeeping for Python code that runs in Qt threads (QThread workers)."""

from __future__ import annotations

import threading


def forget_dummy_thread() -> None:
    """Drop the record Python keeps of the calling Qt thread; call it last in the thread.

    Once Python code in a foreign thread calls threading.current_thread() (logging does), Python
    registers a dummy Thread for it and never removes it, so after the QThread ends it would
    still be listed as alive (and look like a leaked thread).
    """
    current = threading.current_thread()
    if isinstance(current, threading._DummyThread):
        threading._active.pop(threading.get_ident(), None)
