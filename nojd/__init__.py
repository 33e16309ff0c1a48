"""nojd: satisfaction terminals for municipal reception desks."""

__version__ = "0.1.0"
