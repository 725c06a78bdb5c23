"""Handout Press: multilingual print pipeline for patient handouts."""

__version__ = "0.1.0"
