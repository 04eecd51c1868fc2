-- The base schema. Data rows carry the batch that wrote them; a row replaced by a later import
-- is kept with `superseded_by` set (never deleted), so rolling back that batch restores it.
-- The *_current views are what every query reads.

CREATE TABLE app_state (key VARCHAR PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO app_state VALUES ('data_version', 0);

-- Reference data (loaded from data/reference/*.csv by migration 002; each row has its source).
CREATE TABLE org_unit_vintage (
    vintage INTEGER PRIMARY KEY, valid_from DATE, valid_to DATE,
    first_data_year INTEGER, last_data_year INTEGER, label_vi VARCHAR, label_en VARCHAR, source VARCHAR);
CREATE TABLE org_unit (
    vintage INTEGER NOT NULL, code VARCHAR NOT NULL, name VARCHAR NOT NULL, unit_type VARCHAR NOT NULL,
    parent_code VARCHAR, is_urban BOOLEAN NOT NULL, also_absorbs_vi VARCHAR, also_absorbs_en VARCHAR,
    source VARCHAR, PRIMARY KEY (vintage, code));
CREATE TABLE org_unit_map (
    old_vintage INTEGER, old_code VARCHAR, new_vintage INTEGER, new_code VARCHAR, source VARCHAR,
    PRIMARY KEY (old_vintage, old_code, new_vintage));
CREATE TABLE poverty_standard (
    standard VARCHAR, valid_from_year INTEGER, valid_to_year INTEGER, area VARCHAR,
    poor_income_max BIGINT, average_income_max BIGINT, min_deprivations INTEGER,
    indicator_count INTEGER, source VARCHAR, PRIMARY KEY (standard, area));
CREATE TABLE deprivation_indicator (
    standard VARCHAR, number INTEGER, code VARCHAR, dimension_vi VARCHAR, dimension_en VARCHAR,
    name_vi VARCHAR, name_en VARCHAR, deprived_when_vi VARCHAR, deprived_when_en VARCHAR,
    policy_vi VARCHAR, policy_en VARCHAR, project_code VARCHAR, source VARCHAR,
    PRIMARY KEY (standard, number));
CREATE TABLE project (
    code VARCHAR PRIMARY KEY, parent_code VARCHAR, project_number INTEGER, sub_project_number INTEGER,
    name_vi VARCHAR, name_en VARCHAR, source VARCHAR);
CREATE TABLE funding_source (
    code VARCHAR PRIMARY KEY, short_vi VARCHAR, name_vi VARCHAR, name_en VARCHAR, source VARCHAR);
CREATE TABLE indicator (
    code VARCHAR PRIMARY KEY, name_vi VARCHAR, name_en VARCHAR, unit VARCHAR, direction VARCHAR,
    source VARCHAR);
CREATE TABLE setting (
    key VARCHAR PRIMARY KEY, value VARCHAR, description_vi VARCHAR, description_en VARCHAR,
    source VARCHAR);

-- Imports.
CREATE SEQUENCE import_batch_id START 1;
CREATE TABLE import_batch (
    id BIGINT PRIMARY KEY DEFAULT nextval('import_batch_id'),
    kind VARCHAR NOT NULL,            -- households | commune_totals | indicators | budget | demo
    file_name VARCHAR, sha256 VARCHAR, user_name VARCHAR,
    started_at TIMESTAMP, finished_at TIMESTAMP,
    status VARCHAR NOT NULL,          -- committed | rolled_back
    rows INTEGER, report JSON, illustrative BOOLEAN NOT NULL DEFAULT false,
    year INTEGER, commune_code VARCHAR);

-- Household records of a review (annual or monthly). The computed status is derived from the
-- recorded figures by the standard in force; it is never stored over the recorded one.
CREATE TABLE household (
    year INTEGER NOT NULL, household_id VARCHAR NOT NULL,
    commune_vintage INTEGER NOT NULL, commune_code VARCHAR NOT NULL,
    hamlet VARCHAR, head_name VARCHAR, ethnicity VARCHAR, is_ethnic_minority BOOLEAN,
    members INTEGER, income_per_capita BIGINT,
    d01 BOOLEAN, d02 BOOLEAN, d03 BOOLEAN, d04 BOOLEAN, d05 BOOLEAN, d06 BOOLEAN,
    d07 BOOLEAN, d08 BOOLEAN, d09 BOOLEAN, d10 BOOLEAN, d11 BOOLEAN, d12 BOOLEAN, d13 BOOLEAN,
    recorded_status VARCHAR,          -- poor | near_poor | average | above (NULL: not recorded)
    no_labour_capacity BOOLEAN, has_merit BOOLEAN,
    deprivation_count INTEGER,        -- derived on write, for speed
    computed_status VARCHAR,          -- derived on write by the standard of the year
    batch_id BIGINT NOT NULL, superseded_by BIGINT);

CREATE TABLE commune_total (
    year INTEGER NOT NULL, commune_vintage INTEGER NOT NULL, commune_code VARCHAR NOT NULL,
    households INTEGER NOT NULL, persons INTEGER,
    batch_id BIGINT NOT NULL, superseded_by BIGINT);

CREATE TABLE indicator_value (
    year INTEGER NOT NULL, org_vintage INTEGER NOT NULL, org_code VARCHAR NOT NULL,
    indicator_code VARCHAR NOT NULL, kind VARCHAR NOT NULL,   -- target | actual
    value DOUBLE NOT NULL, batch_id BIGINT NOT NULL, superseded_by BIGINT);

CREATE TABLE budget_plan (
    year INTEGER NOT NULL, project VARCHAR NOT NULL, sub_project VARCHAR,
    source VARCHAR NOT NULL, capital_type VARCHAR, agency VARCHAR,
    org_vintage INTEGER, org_code VARCHAR, amount_mvnd DECIMAL(18, 3) NOT NULL,
    batch_id BIGINT NOT NULL, superseded_by BIGINT);

-- Cumulative disbursement for the year up to `as_of` (dated snapshots, as execution reports give them).
CREATE TABLE disbursement (
    year INTEGER NOT NULL, as_of DATE NOT NULL, project VARCHAR NOT NULL, sub_project VARCHAR,
    source VARCHAR NOT NULL, org_vintage INTEGER, org_code VARCHAR, amount_mvnd DECIMAL(18, 3) NOT NULL,
    batch_id BIGINT NOT NULL, superseded_by BIGINT);

CREATE VIEW household_current AS SELECT * FROM household WHERE superseded_by IS NULL;
CREATE VIEW commune_total_current AS SELECT * FROM commune_total WHERE superseded_by IS NULL;
CREATE VIEW indicator_value_current AS SELECT * FROM indicator_value WHERE superseded_by IS NULL;
CREATE VIEW budget_plan_current AS SELECT * FROM budget_plan WHERE superseded_by IS NULL;
CREATE VIEW disbursement_current AS SELECT * FROM disbursement WHERE superseded_by IS NULL;

-- Planning, accounts and audit.
CREATE SEQUENCE scenario_id START 1;
CREATE TABLE scenario (
    id BIGINT PRIMARY KEY DEFAULT nextval('scenario_id'), name VARCHAR NOT NULL, author VARCHAR,
    created_at TIMESTAMP, year INTEGER, params JSON);
CREATE TABLE app_user (
    username VARCHAR PRIMARY KEY, display_name VARCHAR, email VARCHAR, role VARCHAR NOT NULL,
    password_hash VARCHAR, active BOOLEAN NOT NULL DEFAULT true, failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP, created_at TIMESTAMP);
CREATE TABLE user_commune (
    username VARCHAR NOT NULL, commune_vintage INTEGER NOT NULL, commune_code VARCHAR NOT NULL,
    PRIMARY KEY (username, commune_vintage, commune_code));
CREATE TABLE audit_log (ts TIMESTAMP NOT NULL, user_name VARCHAR, action VARCHAR NOT NULL, detail JSON);

-- The official status is the recorded one where the file has it, the computed one otherwise;
-- the area (rural/urban) follows the unit type of the household's commune.
CREATE VIEW household_official AS
SELECT h.*, coalesce(h.recorded_status, h.computed_status) AS official_status, o.is_urban,
       o.name AS commune_name
FROM household_current h
LEFT JOIN org_unit o ON o.vintage = h.commune_vintage AND o.code = h.commune_code;
