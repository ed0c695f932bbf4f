from django.dispatch import Signal

# Sent inside the writing transaction after an entry is saved or deleted, with
# `member` and `days` (the member's local dates the change touched). The review app
# listens to resolve follow-ups whose gap is now logged.
entries_changed = Signal()
