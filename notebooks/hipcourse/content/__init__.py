"""Course content as data: loading and validating `data/*.yaml` (data, check, schemas), the bibliography
(sources), the landmark expression language (expr), point geometry from landmarks (geometry) and the
lesson tables built from the data (tables). Nothing here imports matplotlib or ipywidgets.
"""
