"""WSGI entry point (``dualcarbon serve`` runs it under waitress)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dualcarbon_web.config.settings")
application = get_wsgi_application()
