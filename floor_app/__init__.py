"""Floor: the terminal station for local return hubs."""

__version__ = "0.1.0"
