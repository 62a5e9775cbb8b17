"""Loaders: every way a trial arrives ends in one validated Trial."""
