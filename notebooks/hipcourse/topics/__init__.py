"""Lesson topics built from data: causes and symptoms of hip pain (causes) and their pain maps (painmap);
treatments and the evidence for them (evidence), the forest plot (evidence_plots) and the regression-to-the-mean
simulation (regression).
"""
