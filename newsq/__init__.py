"""newsq: query a Context-style markdown news archive from the command line."""

__version__ = "0.1.0"
