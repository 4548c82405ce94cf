"""Readers that turn source files into article records."""
