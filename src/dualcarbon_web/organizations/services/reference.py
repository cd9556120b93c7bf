"""Loading the shipped reference tables (GB/T 2260, GB/T 4754-2017) into the database."""

from __future__ import annotations

from django.db import transaction

from dualcarbon.registry.gb2260 import divisions
from dualcarbon.registry.gb4754 import industries
from dualcarbon_web.organizations.models import Industry, Region

__all__ = ("reference_data_load",)

# --------------------------------------------------------------------------- reference data


@transaction.atomic
def reference_data_load() -> dict[str, int]:
    """Load the shipped GB/T 2260 and GB/T 4754-2017 tables into Region and Industry.

    Idempotent: missing rows are bulk-created (parents before children), changed names are
    bulk-updated, nothing is deleted. Returns the number of rows of each table now present.
    """
    counts = {}
    for model, rows, name in (
        (Region, divisions(), "regions"),
        (Industry, industries(), "industries"),
    ):
        existing = {obj.code: obj for obj in model.objects.all()}
        changed = []
        # shipped tables list parents first; create level by level so parent ids exist
        for level in (
            ("province", "prefecture", "county")
            if model is Region
            else ("section", "division", "group", "class")
        ):
            new = []
            for row in rows:
                if row.level != level:
                    continue
                parent = existing.get(row.parent_code) if row.parent_code else None
                obj = existing.get(row.code)
                if obj is None:
                    new.append(
                        model(
                            code=row.code, name=row.name, name_en=row.name_en, level=row.level, parent=parent
                        )
                    )
                elif (obj.name, obj.name_en, obj.level, obj.parent_id) != (
                    row.name,
                    row.name_en,
                    row.level,
                    parent.pk if parent else None,
                ):
                    obj.name, obj.name_en, obj.level, obj.parent = row.name, row.name_en, row.level, parent
                    changed.append(obj)
            if new:
                model.objects.bulk_create(new)
                existing.update(
                    {obj.code: obj for obj in model.objects.filter(code__in=[o.code for o in new])}
                )
        if changed:
            model.objects.bulk_update(changed, ["name", "name_en", "level", "parent"])
        counts[name] = model.objects.count()
    return counts
