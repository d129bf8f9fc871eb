"""Forgiving product search: weighted full text plus trigram similarity on PostgreSQL, icontains on SQLite."""

from __future__ import annotations

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    TrigramSimilarity,
    TrigramStrictWordSimilarity,
)
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from ..models import Product

#: The text search configuration of the vector and the query; english stems "tomatoes" to "tomato".
SEARCH_CONFIG = "english"
#: How close a query word must come to a word of the product ("panner" in "amul fresh paneer" scores 0.43).
TRIGRAM_THRESHOLD = 0.4


def _use_trigram_threshold() -> None:
    """Set this connection's threshold for `%>` (pg_trgm's default, 0.6, would miss "panner")."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)", [str(TRIGRAM_THRESHOLD)])


#: A product's name ends with what it is ("Whole Wheat Atta" is atta, "Yippee Atta Noodles"
#: noodles): a title ending in a query word gets this much more relevance.
WHAT_IT_IS_BOOST = 0.5


def _what_it_is(words: list[str]) -> Case:
    """WHAT_IT_IS_BOOST when the title's last word is one of `words`, else 0."""
    ends = Q()
    for word in words:
        ends |= Q(title__iendswith=f" {word}") | Q(title__iexact=word)
    return Case(When(ends, then=Value(WHAT_IT_IS_BOOST)), default=Value(0.0), output_field=FloatField())


def _word_start(field: str, word: str) -> Q:
    """`field` has a word beginning with `word` (case-insensitive; words split at spaces, and at
    the punctuation the catalogue's names use)."""
    starts = Q(**{f"{field}__istartswith": word})
    for separator in (" ", "-", "(", "/", ","):
        starts |= Q(**{f"{field}__icontains": f"{separator}{word}"})
    return starts


def search_products(products: QuerySet[Product], q: str) -> QuerySet[Product]:
    """Products matching `q`, annotated with `relevance` (higher is better)."""
    q = " ".join(q.split())
    if not q:
        return products.annotate(relevance=Value(0.0, output_field=FloatField()))
    if connection.vendor != "postgresql":
        # The embedded run: every word must start a word somewhere ("dal" finds "Toor Dal" and
        # the "Dals & Pulses" aisle, not "Sandal Soap"); no typo tolerance.
        every_word, in_title = Q(), []
        for word in q.lower().split():
            every_word &= _word_start("search_text", word) | _word_start("category__name", word)
            in_title.append(Case(When(_word_start("title", word), then=Value(1.0)), default=Value(0.0)))
        # Ranked by how many of the words the title itself has (a "paneer" before a curd in its aisle).
        in_title.append(_what_it_is(q.lower().split()))
        return products.filter(every_word).annotate(relevance=sum(in_title[1:], in_title[0]))
    query = SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")
    words = q.lower()
    _use_trigram_threshold()
    return (
        # `%>` (trigram_word_similar) can use the GIN trigram index, where a computed
        # similarity compared in SQL would score every product.
        products.filter(Q(search_vector=query) | Q(search_text__trigram_word_similar=words)).annotate(
            # Full-text rank (title A > brand B > category C > tags D), how closely the words
            # match whole words of the title ("panner": paneer 0.4 > pan 0.375), and how close
            # the title is as a whole, so "tomatoe" puts "Tomato Hybrid" before "Tomato Ketchup".
            relevance=SearchRank(F("search_vector"), query, normalization=Value(1))
            + TrigramStrictWordSimilarity(words, "title")
            + TrigramSimilarity("title", words)
            + _what_it_is(words.split())
        )
    )
