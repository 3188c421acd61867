"""Multi-row writes: one INSERT and one UPDATE statement per table for a whole batch."""

from django.db import connection


def insert_rows(model: type, rows: list) -> None:
    """One multi-row INSERT; primary keys drawn by the database are set on the rows."""
    if rows:
        model.objects.bulk_create(rows)


def update_rows(model: type, rows: list, fields: list[str]) -> None:
    """Write these columns of existing rows back: on PostgreSQL one `UPDATE ... FROM (VALUES ...)`
    statement, elsewhere one prepared statement executed per row."""
    if not rows:
        return
    meta = model._meta
    table, pk = meta.db_table, meta.pk
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    if connection.vendor != "postgresql" or len(rows) == 1:
        sql = (f"UPDATE {quote(table)} SET " + ", ".join(f"{quote(f.column)} = %s" for f in columns)
               + f" WHERE {quote(pk.column)} = %s")
        params = [[_value(f, row) for f in columns] + [_value(pk, row)] for row in rows]
        with connection.cursor() as cursor:
            if len(params) == 1:
                cursor.execute(sql, params[0])
            else:
                cursor.executemany(sql, params)
        return
    casts = [f"%s::{pk.db_type(connection)}"] + [f"%s::{f.db_type(connection)}" for f in columns]
    row_sql = "(" + ", ".join(casts) + ")"
    names = ["pk"] + [f"c{i}" for i in range(len(columns))]
    sql = (f"UPDATE {quote(table)} AS t SET "
           + ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(columns))
           + f" FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v({', '.join(names)})"
           + f" WHERE t.{quote(pk.column)} = v.pk")
    params = []
    for row in rows:
        params.append(_value(pk, row))
        params.extend(_value(f, row) for f in columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _value(field, row):
    return field.get_db_prep_save(getattr(row, field.attname), connection)
