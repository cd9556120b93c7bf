from django.db import migrations

from dualcarbon_web.platform.db.append_only import install_purge_flag


class Migration(migrations.Migration):
    dependencies = [("platform", "0001_initial")]

    operations = [install_purge_flag()]
