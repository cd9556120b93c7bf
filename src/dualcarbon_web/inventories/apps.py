from django.apps import AppConfig


class InventoriesConfig(AppConfig):
    name = "dualcarbon_web.inventories"
    label = "inventories"
