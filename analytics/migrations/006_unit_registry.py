"""The national registry of units of both vintages (``unit_registry``, ``unit_registry_map``),
and a default flag on ``org_unit_map``: an old commune divided between several new units maps to
each of them, and figures carried across vintages go to the default one only."""

from analytics import registry


def apply(cur) -> None:
    cur.execute("""
        CREATE TABLE org_unit_map_flagged (
            old_vintage INTEGER, old_code VARCHAR, new_vintage INTEGER, new_code VARCHAR,
            is_default BOOLEAN NOT NULL DEFAULT true, source VARCHAR,
            PRIMARY KEY (old_vintage, old_code, new_vintage, new_code))""")
    cur.execute("""INSERT INTO org_unit_map_flagged (old_vintage, old_code, new_vintage, new_code, source)
                   SELECT old_vintage, old_code, new_vintage, new_code, source FROM org_unit_map""")
    cur.execute("DROP TABLE org_unit_map")
    cur.execute("ALTER TABLE org_unit_map_flagged RENAME TO org_unit_map")
    registry.load(cur)
