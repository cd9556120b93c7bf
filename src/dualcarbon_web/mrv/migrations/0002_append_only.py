from django.db import migrations

from dualcarbon_web.platform.db.append_only import append_only_operation


class Migration(migrations.Migration):
    dependencies = [("mrv", "0001_initial"), ("platform", "0002_purge_flag")]

    operations = [append_only_operation("mrv_reportsubmission")]
