from django.db import models


class TimeStampedModel(models.Model):
    """Base for rows whose creation and last change times matter to someone."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
