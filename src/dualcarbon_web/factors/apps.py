from django.apps import AppConfig


class FactorsConfig(AppConfig):
    name = "dualcarbon_web.factors"
    label = "factors"
