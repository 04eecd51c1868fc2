"""Synthetic data at scale: shape, consistency with the rule, movement between statuses,
synthetic org units, determinism and refusals."""

from __future__ import annotations

import pytest

from analytics import poverty
from analytics.classification import refresh_derived
from analytics.cli import main
from analytics.db import Database
from analytics.reference import standard_years
from analytics.synth import SynthError, parameters, synthesize
from conftest import run_cli


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Database:
    """4,000 households a year over 3 years in the real communes (read only by the tests)."""
    db = Database(tmp_path_factory.mktemp("synth") / "small.duckdb")
    synthesize(db, 4000, 3, seed=7)
    yield db
    db.close()


def digest(db: Database) -> tuple:
    return db.query("SELECT count(*), sum(hash(household_id, year, income_per_capita, computed_status, "
                    "recorded_status, d01, d07, d12, head_name)) FROM household")[0]


def test_rows_years_and_totals(small):
    years = small.query("SELECT year, count(*) FROM household GROUP BY year ORDER BY year")
    assert [y for y, _ in years] == standard_years(small)[:3]
    churn = parameters()["churn_in"] + parameters()["churn_out"]
    for _, n in years:
        assert 4000 * (1 - 2 * churn) <= n <= 4000
    # The denominators are the reviewed population itself, commune by commune.
    mismatch = small.scalar("""
        SELECT count(*) FROM commune_total t FULL JOIN (
            SELECT year, commune_code, count(*) AS n, sum(members) AS p FROM household GROUP BY ALL) h
          ON h.year = t.year AND h.commune_code = t.commune_code
        WHERE t.households IS DISTINCT FROM h.n OR t.persons IS DISTINCT FROM h.p""")
    assert mismatch == 0
    assert small.scalar("SELECT count(*) FROM import_batch WHERE NOT illustrative") == 0
    assert small.scalar("SELECT count(DISTINCT kind) FROM import_batch") == 4


def test_statuses_follow_the_rule_of_classification(small, tmp_path):
    before = small.query("SELECT year, household_id, deprivation_count, computed_status FROM household "
                         "ORDER BY ALL")
    assert {r[3] for r in before} == {"poor", "near_poor", "average", "above"}
    # Recompute with the product's own rule: nothing changes.
    path = tmp_path / "copy.duckdb"
    small.checkpoint()
    import shutil
    shutil.copy(small.path, path)
    with Database(path) as db:
        with db.transaction() as cur:
            refresh_derived(cur)
        after = db.query("SELECT year, household_id, deprivation_count, computed_status FROM household "
                         "ORDER BY ALL")
    assert after == before
    # A few recorded statuses disagree with the rule, as on real lists — only a few.
    rows = small.scalar("SELECT count(*) FROM household")
    disagree = small.scalar("SELECT count(*) FROM household WHERE recorded_status <> computed_status")
    assert 0 < disagree < rows * 0.01


def test_households_move_between_statuses_but_poverty_persists(small):
    moves = dict(((a, b), n) for a, b, n in small.query("""
        SELECT a.recorded_status, b.recorded_status, count(*) FROM household a
        JOIN household b ON b.household_id = a.household_id AND b.year = a.year + 1
        WHERE a.year = (SELECT min(year) FROM household) GROUP BY ALL"""))
    poor_before = sum(n for (a, _), n in moves.items() if a == "poor")
    assert moves[("poor", "poor")] > 0.4 * poor_before          # most poor stay poor a year later
    assert moves.get(("poor", "near_poor"), 0) > 0               # some escape to near-poor
    assert moves.get(("poor", "average"), 0) + moves.get(("poor", "above"), 0) > 0
    assert moves.get(("near_poor", "poor"), 0) > 0               # some fall into poverty
    assert moves.get(("above", "poor"), 0) + moves.get(("average", "poor"), 0) > 0  # newly poor
    rates = poverty.trend(small)
    assert (rates["poor_rate"].diff().dropna() < 0).all()        # the programme's years: poverty falls
    assert 0.005 < rates["poor_rate"].iloc[0] < 0.15
    # Ethnic-minority households are poorer, as in the plan (52 of 125 poor, far above their share).
    em = small.query("SELECT avg((recorded_status = 'poor')::INT) FROM household GROUP BY is_ethnic_minority "
                     "ORDER BY is_ethnic_minority")
    assert em[1][0] > 2 * em[0][0]


def test_same_seed_same_data_other_seed_other_data(small, tmp_path):
    with Database(tmp_path / "a.duckdb") as a:
        synthesize(a, 4000, 3, seed=7)
        assert digest(a) == digest(small)
    with Database(tmp_path / "b.duckdb") as b:
        synthesize(b, 4000, 3, seed=8)
        assert digest(b) != digest(small)


def test_many_communes_create_a_synthetic_province_across_the_reorganisation(tmp_path):
    with Database(tmp_path / "big.duckdb") as db:
        result = synthesize(db, 6000, 5, communes=30, seed=3)
        assert result.synthetic_units and result.communes == 30
        assert result.years == tuple(standard_years(db)[:5])
        units = dict(db.query("SELECT vintage, count(*) FROM org_unit WHERE source LIKE '%synth%' "
                              "AND unit_type IN ('xa', 'phuong') GROUP BY vintage"))
        assert units == {2024: 30, 2025: 30}
        assert db.scalar("SELECT count(*) FROM org_unit_map WHERE source LIKE '%synth%'") > 30
        # Years after 1 July 2025 are recorded in the new units; the poverty tables see 30 communes.
        assert db.query("SELECT DISTINCT commune_vintage FROM household WHERE year >= 2025") == [(2025,)]
        table = poverty.commune_table(db, 2024)
        synthetic = table[table["code"].str.startswith("9")]
        assert len(synthetic) == 30 and synthetic["total"].sum() == db.scalar(
            "SELECT count(*) FROM household WHERE year = 2024")
        # Targets, budget and disbursements exist for every year after the first.
        for table_name in ("indicator_value", "budget_plan", "disbursement"):
            assert db.scalar(f"SELECT count(DISTINCT year) FROM {table_name}") >= 4, table_name


def test_refusals(demo_db, tmp_path):
    with pytest.raises(SynthError, match="already holds data"):
        synthesize(demo_db, 100, 1)
    with Database(tmp_path / "e.duckdb") as db:
        with pytest.raises(SynthError, match="at most"):
            synthesize(db, 100, 50)
        assert db.scalar("SELECT count(*) FROM household") == 0


def test_cli(tmp_path, demo_db_file):
    path = tmp_path / "cli.duckdb"
    r = run_cli("synth", "--households", "3000", "--years", "2", "--db", str(path))
    assert r.returncode == 0, r.stderr
    assert "household rows" in r.stdout
    with Database(path) as db:
        assert db.scalar("SELECT count(DISTINCT year) FROM household") == 2
    r = run_cli("synth", "--households", "3000", "--years", "2", "--db", str(path))
    assert r.returncode == 1 and "already holds data" in r.stdout
    assert main(["synth", "--households", "-5", "--years", "2", "--db", str(tmp_path / "x.duckdb")]) == 2
    assert main(["synth", "--years", "2"]) == 2
    assert main(["synth", "--help"]) == 0


@pytest.mark.slow
def test_ten_million_rows(tmp_path):
    with Database(tmp_path / "10m.duckdb") as db:
        result = synthesize(db, 2_000_000, 5, communes=800)
        assert result.household_rows > 9_500_000
        assert len(poverty.commune_table(db, 2024)) >= 800
