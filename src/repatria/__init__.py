"""repatria: mutual legal assistance for cross-border asset recovery."""

__version__ = "0.1.0"
