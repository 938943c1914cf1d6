"""The package version, in its own module so that any module can read it without importing
the package (whose ``__init__`` sits above everything else)."""

__version__ = "0.1.0"
