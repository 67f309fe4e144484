"""Self-check learning: quiz banks and widgets (quiz), the learner's progress file (progress), the progress
panel (panel), spaced review of missed questions (review) and the final assessment and summary (completion).
"""
