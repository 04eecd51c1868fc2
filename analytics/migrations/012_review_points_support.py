"""The review as it is recorded: Phiếu B1/B2 points and their cut-offs by standard and area,
the Phiếu A result, causes of poverty and an officer in charge per household; the catalogues of
causes and support types; support received per household (``support``), written by batches like
every data table. Existing households keep their values (the new columns start empty)."""

from analytics.reference import load_reference


def apply(cur) -> None:
    cur.execute("""CREATE TABLE review_cutoff (
        standard VARCHAR, area VARCHAR, b1_max_points DOUBLE, b2_points_per_indicator DOUBLE,
        verified BOOLEAN, source VARCHAR, PRIMARY KEY (standard, area))""")
    cur.execute("""CREATE TABLE poverty_cause (
        code VARCHAR PRIMARY KEY, number INTEGER, name_vi VARCHAR, name_en VARCHAR, source VARCHAR)""")
    cur.execute("""CREATE TABLE support_type (
        code VARCHAR PRIMARY KEY, number INTEGER, name_vi VARCHAR, name_en VARCHAR,
        coverage_indicator VARCHAR, source VARCHAR)""")
    for column, sql_type in (("b1_points", "DOUBLE"), ("b2_points", "DOUBLE"),
                             ("quick_review", "VARCHAR"), ("quick_review_reason", "VARCHAR"),
                             ("causes", "VARCHAR[]"), ("officer", "VARCHAR")):
        cur.execute(f"ALTER TABLE household ADD COLUMN {column} {sql_type}")
    # origin: the kind of file that wrote the row ('support' file, or ticks of a 'households'
    # list), so that each replaces only its own rows of a (year, commune).
    cur.execute("""CREATE TABLE support (
        year INTEGER NOT NULL, household_id VARCHAR NOT NULL,
        commune_vintage INTEGER NOT NULL, commune_code VARCHAR NOT NULL,
        support_type VARCHAR NOT NULL, amount_mvnd DECIMAL(18, 3), support_date DATE,
        budget_line VARCHAR, origin VARCHAR NOT NULL,
        batch_id BIGINT NOT NULL, superseded_by BIGINT)""")
    cur.execute("CREATE VIEW support_current AS SELECT * FROM support WHERE superseded_by IS NULL")
    load_reference(cur, {"review_cutoff", "poverty_cause", "support_type"})
