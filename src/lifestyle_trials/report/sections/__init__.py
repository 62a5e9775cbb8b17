"""The sections of the HTML report, one module per section.

Each module has one builder, ``<name>_section(ctx)``: it takes the :class:`..context.Context`
of the page (numbers.json, its labels, the figures and the table and figure numbering, which
it advances) and returns its part of numbers.json as a :class:`..blocks.Section` with every
number formatted, or None for a section that does not apply to the analysis. :mod:`.common`
holds the table, cell and note helpers they share; :mod:`..view` calls the builders in page
order.
"""
