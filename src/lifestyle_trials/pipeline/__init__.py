"""The steps of ``make report``, one function per step, and the file I/O they share.

Each step reads its input files, calls the package's functions and writes its outputs
atomically (a temporary file renamed into place), stamped with the package version, the
checksums of its inputs, the analysis configuration and the seed. The Makefile calls them
through ``python -m lifestyle_trials <verb>`` (see :mod:`lifestyle_trials.cli`).
"""
