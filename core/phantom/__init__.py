"""Synthetic long-axis SSFP cine phantoms with exactly known landmarks and SI (see generate)."""

from core.phantom.generate import PhantomCine, PhantomFrame, generate_cine, generate_frame

__all__ = ["PhantomCine", "PhantomFrame", "generate_cine", "generate_frame"]
