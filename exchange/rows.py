"""Multi-row writes: one statement per table for a whole batch of rows.

On PostgreSQL rows are inserted with COPY (ids the database draws are taken first, in one query,
and set on the rows) and updated with one `UPDATE ... FROM (VALUES ...)`; elsewhere Django's bulk
insert and one prepared UPDATE per row. `Writes` gathers a batch's statements: a small batch goes to
PostgreSQL as one multi-statement round trip, which is most of an idle command's latency.
"""

from django.db import connection
from django.db.models.base import ModelState


def insert_rows(model: type, rows: list) -> None:
    """Insert these unsaved rows; primary keys the database draws are set on them."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(rows)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if meta.pk.get_internal_type() in ("AutoField", "BigAutoField"):
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, len(rows)])
            for row, (pk,) in zip(rows, sorted(cursor.fetchall()), strict=True):
                row.pk = pk
        _pre_save(fields, rows)
        columns = ", ".join(quote(f.column) for f in fields)
        values = _reader(fields)
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values(row))
    _saved(rows)


def update_rows(model: type, rows: list, fields: list[str]) -> None:
    """Write these columns of existing rows back."""
    if not rows:
        return
    meta = model._meta
    table, pk = meta.db_table, meta.pk
    columns = [meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql" and len(rows) > 1:
        with connection.cursor() as cursor:
            cursor.execute(*_update_sql(model, rows, fields))
        return
    sql = (f"UPDATE {quote(table)} SET " + ", ".join(f"{quote(f.column)} = %s" for f in columns)
           + f" WHERE {quote(pk.column)} = %s")
    values = _reader(columns + [pk])
    params = [values(row) for row in rows]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)


def _update_sql(model: type, rows: list, fields: list[str]) -> tuple[str, list]:
    """One PostgreSQL `UPDATE ... FROM (VALUES ...)` writing these columns of these rows."""
    meta = model._meta
    pk, quote = meta.pk, connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    casts = [f"%s::{pk.db_type(connection)}"] + [f"%s::{f.db_type(connection)}" for f in columns]
    row_sql = "(" + ", ".join(casts) + ")"
    names = ["pk"] + [f"c{i}" for i in range(len(columns))]
    sql = (f"UPDATE {quote(meta.db_table)} AS t SET "
           + ", ".join(f"{quote(f.column)} = v.c{i}" for i, f in enumerate(columns))
           + f" FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v({', '.join(names)})"
           + f" WHERE t.{quote(pk.column)} = v.pk")
    values = _reader([pk] + columns)
    return sql, [value for row in rows for value in values(row)]


def _insert_sql(model: type, rows: list) -> tuple[str, list, bool]:
    """One PostgreSQL multi-row INSERT of these rows; returns whether it returns drawn ids."""
    meta = model._meta
    quote = connection.ops.quote_name
    drawn = meta.pk.get_internal_type() in ("AutoField", "BigAutoField")
    fields = [f for f in meta.concrete_fields if not (drawn and f.primary_key)]
    _pre_save(fields, rows)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES "
           + ", ".join([row_sql] * len(rows)) + (f" RETURNING {quote(meta.pk.column)}" if drawn else ""))
    values = _reader(fields)
    return sql, [value for row in rows for value in values(row)], drawn


def _pre_save(fields: list, rows: list) -> None:
    """auto_now / auto_now_add values, as a save would set them."""
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for row in rows:
                if getattr(row, field.attname) is None or getattr(field, "auto_now", False):
                    field.pre_save(row, add=True)


def _saved(rows: list) -> None:
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


class Writes:
    """A batch's inserts and updates, in order, sent by `run`."""

    COMBINED_ROWS = 64  # up to this many rows go as one round trip; more, one COPY or UPDATE per table

    def __init__(self) -> None:
        self._writes: list[tuple[type, list, list[str] | None]] = []  # fields None: an insert

    def insert(self, model: type, rows: list) -> None:
        if rows:
            self._writes.append((model, rows, None))

    def update(self, model: type, rows: list, fields: list[str]) -> None:
        if rows:
            self._writes.append((model, rows, fields))

    def run(self, *, prefix: str = "") -> None:
        """Write everything; `prefix` is a statement to run first in the same round trip."""
        size = sum(len(rows) for _, rows, _ in self._writes)
        if connection.vendor != "postgresql" or size > self.COMBINED_ROWS:
            if prefix and connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(prefix)
            for model, rows, fields in self._writes:
                insert_rows(model, rows) if fields is None else update_rows(model, rows, fields)
            return
        statements, params, returning = [prefix] if prefix else [], [], []
        for model, rows, fields in self._writes:
            if fields is None:
                sql, values, drawn = _insert_sql(model, rows)
                if drawn:
                    returning.append(rows)
            else:
                sql, values = _update_sql(model, rows, fields)
            statements.append(sql)
            params += values
        if not statements:
            return
        with connection.cursor() as cursor:
            cursor.execute("; ".join(statements), params)
            results = cursor.cursor
            pending = iter(returning)
            while True:
                if results.description is not None and results.statusmessage.startswith("INSERT"):
                    rows = next(pending)
                    for row, (pk,) in zip(rows, results.fetchall(), strict=True):
                        row.pk = pk
                if not results.nextset():
                    break
        for _, rows, fields in self._writes:
            if fields is None:
                _saved(rows)


# Python values the driver adapts as they are; any other field goes through Django's preparation.
_PLAIN = {"AutoField", "BigAutoField", "BigIntegerField", "IntegerField", "CharField", "TextField",
          "BooleanField", "UUIDField", "DateTimeField", "ForeignKey", "OneToOneField"}


def _reader(fields: list):
    """A function giving a row's database values for these fields, in order."""
    plain = connection.vendor == "postgresql"
    preparers = [None if plain and f.get_internal_type() in _PLAIN else f for f in fields]
    names = [f.attname for f in fields]
    conn = connection

    def values(row) -> list:
        out = []
        for name, field in zip(names, preparers, strict=True):
            value = getattr(row, name)
            out.append(value if field is None else field.get_db_prep_save(value, conn))
        return out

    return values


def build(model: type, **values):
    """A new, unsaved row of `model`: what `model(**values)` makes, without its generic argument
    handling, which is most of a command's object-building time. Related objects may be given by
    field name (`market=market`); every field not given takes its default."""
    defaults = _defaults.get(model)
    if defaults is None:
        defaults = _defaults[model] = _constant_defaults(model)
    row = model.__new__(model)
    state = row._state = ModelState()
    fields = row.__dict__
    fields.update(defaults)
    for name, value in values.items():
        related = _related.get((model, name))
        if related is None:
            fields[name] = value
        else:
            fields[related] = None if value is None else value.pk
            state.fields_cache[name] = value
    return row


_defaults: dict[type, dict] = {}
_related: dict[tuple[type, str], str] = {}


def _constant_defaults(model: type) -> dict:
    values = {}
    for field in model._meta.concrete_fields:
        if field.is_relation:
            _related[(model, field.name)] = field.attname
        values[field.attname] = None if callable(field.default) else field.get_default()
    return values
