"""Page-number pagination for every API list, with the page number bounded.

django-ninja's ``PageNumberPagination`` accepts any ``page >= 1``; a page such as
``833978598633319936`` makes the SQL ``OFFSET`` overflow a 64-bit integer, which SQLite answers with
"datatype mismatch" and PostgreSQL with "bigint out of range" -- a server error (found by the
schemathesis run in ``tests/web/test_schemathesis.py``). Here the page number is limited to
:data:`MAX_PAGE`, so an out-of-range page is a 400 ``validation_error`` in the one error shape, and the
bound is published in the OpenAPI schema. Use it as ``@paginate(PageNumberPagination)``.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination as _NinjaPageNumberPagination

__all__ = ("MAX_PAGE", "MappedQuerySet", "PageNumberPagination")

#: With at most 500 items a page this reaches 500 million rows, far below a 64-bit OFFSET.
MAX_PAGE = 1_000_000


class PageNumberPagination(_NinjaPageNumberPagination):
    """``?page=N&page_size=M`` with ``1 <= N <= MAX_PAGE``; ``page_size`` is capped at the setting
    ``NINJA_PAGINATION_MAX_PER_PAGE_SIZE`` as in django-ninja."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)


class MappedQuerySet:
    """A queryset seen through ``fn``: the paginator counts and slices in SQL, then maps one page.

    For list endpoints whose items are built by a function (``fn(row) -> dict``) rather than read
    from a model by the schema: ``return MappedQuerySet(queryset, fn)`` under ``@paginate``.
    """

    def __init__(self, queryset, fn) -> None:
        self.queryset = queryset
        self.fn = fn

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self.fn(x) for x in self.queryset[index]]
        return self.fn(self.queryset[index])
