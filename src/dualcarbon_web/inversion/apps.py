from django.apps import AppConfig


class InversionConfig(AppConfig):
    name = "dualcarbon_web.inversion"
    label = "inversion"
