from django.apps import AppConfig


class InterchangeConfig(AppConfig):
    name = "daybook.interchange"
    label = "interchange"
