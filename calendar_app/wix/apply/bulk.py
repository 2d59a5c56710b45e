"""Writing many rows in one statement (PostgreSQL; plain ORM calls elsewhere)."""

from django.db import connection as db_connection


def _columns(fields, rows: list, *, add: bool) -> tuple[str, list]:
    """``unnest(%s::type[], …)`` over the rows' values of ``fields``, one array per column:
    a handful of parameters instead of one per value (a query with thousands of placeholders
    costs more to bind than to run). Values are prepared by each field, as the ORM does."""
    arrays = [
        [field.get_db_prep_save(field.pre_save(row, add=add), db_connection) for row in rows]
        for field in fields
    ]
    casts = ", ".join(f"%s::{field.db_type(db_connection)}[]" for field in fields)
    return f"unnest({casts})", arrays


def insert_rows(model, rows: list) -> None:
    """Insert these new rows in one ``INSERT … SELECT FROM unnest(…)`` (PostgreSQL; elsewhere
    ``bulk_create``). Nothing is read back: the rows' own ids are set, or not needed."""
    if db_connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return
    meta, quote = model._meta, db_connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.db_returning]
    source, arrays = _columns(fields, rows, add=True)
    columns = ", ".join(quote(field.column) for field in fields)
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT * FROM {source}", arrays
        )


def update_rows(model, rows: list, attributes: list[str]) -> None:
    """Write these attributes of these rows in one ``UPDATE … FROM unnest(…)`` (PostgreSQL;
    elsewhere one ORM update per row).

    Django's ``bulk_update`` builds a ``CASE WHEN pk = … THEN …`` per column, which PostgreSQL
    evaluates row by row against every case: a batch of 200 changes cost more than 200 single
    updates.
    """
    if db_connection.vendor != "postgresql":
        for row in rows:
            values = {attribute: getattr(row, attribute) for attribute in attributes}
            model.objects.filter(pk=row.pk).update(**values)
        return
    meta, quote = model._meta, db_connection.ops.quote_name
    fields = [meta.pk, *(meta.get_field(attribute) for attribute in attributes)]
    source, arrays = _columns(fields, rows, add=False)
    table, columns = quote(meta.db_table), [quote(field.column) for field in fields]
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET "
            + ", ".join(f"{column} = v.{column}" for column in columns[1:])
            + f" FROM {source} AS v({', '.join(columns)})"
            + f" WHERE {table}.{columns[0]} = v.{columns[0]}",
            arrays,
        )
