"""Everything drawn: the atlas plates of the hip (atlas and its parts), the printable point chart (chart),
the colour-blind-safe palette (palette), figure display with alt text (display) and the store of
figures drawn once by the execute tool (cache).
"""
