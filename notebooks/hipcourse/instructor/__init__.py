"""Instructor material: answer keys (keys), printable handouts (handouts) and class results from
exported progress files (classresults).
"""
