from django.db import models


class Role(models.TextChoices):
    """Each role is a Django group; permissions hang off the group."""

    TECHNICIAN = "Technician"
    DISPATCHER = "Dispatcher"
    MANAGER = "Manager"
    FINANCE = "Finance"
    ADMIN = "Admin"


class Weekday(models.IntegerChoices):
    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6
