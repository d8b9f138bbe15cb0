"""vimbatch: turn a pile of photos into Vimmerse workflows in one go."""

__version__ = "0.1.0"
APP_NAME = "vimbatch"
