"""Practising: the pressing routine built from the data (routine) and the pain diary (diary).
"""
