-- The hash of the one-time code that creates a new database's first administrator
-- (analytics.auth.setup); at most one row, deleted once used.
CREATE TABLE IF NOT EXISTS setup_code (
    code_hash VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
);
