-- A province's (or district's, commune's) own standard (Decree 351/2025: a province may set one
-- above the national standard for its own programmes): income lines by period and area for a
-- unit; a household is classified by the most specific one covering its unit and year, else by
-- the national standard (poverty_standard). Deprivation indicators and minimum stay national.
CREATE TABLE local_standard (
    standard VARCHAR NOT NULL, org_vintage INTEGER NOT NULL, org_code VARCHAR NOT NULL,
    valid_from_year INTEGER NOT NULL, valid_to_year INTEGER NOT NULL, area VARCHAR NOT NULL,
    poor_income_max BIGINT NOT NULL, average_income_max BIGINT NOT NULL, source VARCHAR NOT NULL,
    PRIMARY KEY (standard, area));
