"""supplymap's graph: model, connection and engine start-up, analyses and maps."""

__version__ = "0.1.0"
