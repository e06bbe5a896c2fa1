"""propscan: find, label and explain propaganda techniques in news articles."""

__version__ = "0.1.0"
