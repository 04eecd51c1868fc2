"""Short names of the project lines (``project.short_vi`` / ``short_en``) for chart labels and
cards; the full names stay for hover labels and tables."""

from analytics.reference import load_reference


def apply(cur) -> None:
    cur.execute("ALTER TABLE project ADD COLUMN IF NOT EXISTS short_vi VARCHAR")
    cur.execute("ALTER TABLE project ADD COLUMN IF NOT EXISTS short_en VARCHAR")
    load_reference(cur)
