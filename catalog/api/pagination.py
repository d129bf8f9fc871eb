"""The project's page-number pagination, counting with the page's own query."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window

from shop.api.pagination import PageNumberPagination

#: No catalog has this many pages; a number past it is a 404 like any page past the end.
MAX_PAGE = 1_000_000


class OneQueryPaginator(Paginator):
    """Reads the total with the page (COUNT(*) OVER ()), so a search finds its candidates once, not twice."""

    def page(self, number: Any) -> Page:
        try:
            wanted = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger("That page number is not an integer") from exc
        if wanted < 1:
            raise EmptyPage("That page number is less than 1")
        if wanted > MAX_PAGE:  # an offset PostgreSQL's bigint cannot hold would be a 500
            raise EmptyPage("That page contains no results")
        bottom = (wanted - 1) * self.per_page
        queryset: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        rows = list(queryset.annotate(total_rows=Window(Count("pk")))[bottom : bottom + self.per_page])
        if rows:
            self.__dict__["count"] = rows[0].total_rows  # fills the cached property
        # No rows: `count` is computed as usual, to tell an empty first page from one past the end.
        return Page(rows, self.validate_number(wanted), self)


class CatalogPagination(PageNumberPagination):
    django_paginator_class = OneQueryPaginator
