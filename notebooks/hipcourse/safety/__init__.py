"""Safety screens shown before any practice: red-flag triage and the urgency table (triage) and the
"before you press" screen of contraindications and precautions (screen).
"""
