-- Figures of the official review tables (Circular 07/2021/TT-BLĐTBXH) per commune, as offices
-- send them upward: one row per (year, commune, form, status, unit, measure). Only communes'
-- figures are kept; district and total rows are checked against them on import.
CREATE TABLE IF NOT EXISTS review_figure (
    year INTEGER NOT NULL, commune_vintage INTEGER NOT NULL, commune_code VARCHAR NOT NULL,
    form VARCHAR NOT NULL,      -- summary (form 1) | change (forms 2-3) | deprivation (forms 4-5)
    status VARCHAR NOT NULL,    -- all | poor | near_poor | average
    unit VARCHAR NOT NULL,      -- households | persons | percent
    measure VARCHAR NOT NULL,   -- count, or a step of the change table, or an indicator code
    value DOUBLE NOT NULL,
    batch_id BIGINT NOT NULL, superseded_by BIGINT);
CREATE OR REPLACE VIEW review_figure_current AS SELECT * FROM review_figure WHERE superseded_by IS NULL;
