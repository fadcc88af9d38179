"""monitor: keeps a corpus of India–US relations news up to date from RSS/Atom feeds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("monitor")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
