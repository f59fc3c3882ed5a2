"""Compact model of the spin-texture battery (Tserkovnyak & Xiao, PRL 121, 127701 (2018))."""

__version__ = "0.1.0"
