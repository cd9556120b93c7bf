from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "dualcarbon_web.ledger"
    label = "ledger"
