"""Tell the planner what pg_trgm's `%>` costs, so searches use the trigram index.

pg_trgm declares word_similarity_commutator_op (the function behind `%>`) at the default
cost of 1, as cheap as an integer comparison. With a few thousand products the planner
then scans the whole table and scores every row (~10x slower than the GIN index).
"""

from django.db import migrations

FUNCTION = "word_similarity_commutator_op(text, text)"


def _raise_cost(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER FUNCTION {FUNCTION} COST 100")


def _reset_cost(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER FUNCTION {FUNCTION} COST 1")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(_raise_cost, _reset_cost)]
