"""``field__any=ids``: membership in a list of ids passed as ONE parameter.

``field__in=ids`` writes one placeholder per id; with a few thousand ids (a search's matches,
a feed page's cases) the driver adapts each value and the server plans a long constant list.
Here the list travels as a single array (PostgreSQL: ``= ANY(%s)``; SQLite: the members of one
JSON array), so the statement's text is the same whatever the length, and its plan is cached.
"""

from __future__ import annotations

import json

from django.db import models
from django.db.models import Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        ids = [int(v) for v in value]
        if connection.vendor == "postgresql":
            # The array's text form: psycopg dumps a list of ints value by value in Python,
            # several milliseconds for a few thousand; a string goes as it is.
            return "%s", ["{" + ",".join(map(str, ids)) + "}"]
        return "%s", [json.dumps(ids)]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        # lhs and rhs are compiled SQL with placeholders; the ids travel as a parameter.
        sql = f"{lhs} IN (SELECT value FROM json_each({rhs}))"  # noqa: S608
        return sql, [*lhs_params, *rhs_params]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs}::bigint[])", [*lhs_params, *rhs_params]


def register() -> None:
    # Integer columns (auto and big ids included) and foreign keys to them.
    models.IntegerField.register_lookup(AnyOf)
    models.ForeignKey.register_lookup(AnyOf)
