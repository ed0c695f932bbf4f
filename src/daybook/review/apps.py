from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "daybook.review"
    label = "review"
