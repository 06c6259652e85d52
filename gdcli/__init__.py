"""gdcli: a command-line laboratory for gradients and optimisation."""

__version__ = "0.1.0"
