-- Mesh on PostgreSQL, script 001: the table Orleans' ADO.NET providers read their SQL from.
--
-- Every provider (clustering, grain state, reminders) loads all rows at start-up with
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and later runs the text stored under each key it knows, binding @Name parameters. Scripts 002-004 fill it.
-- The names are unquoted on purpose: Orleans' own query is unquoted, so both fold to lower case.
--
-- Apply with `mesh db init` (which records each script in mesh_schema_version); every script is idempotent.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64) NOT NULL,
    QueryText text        NOT NULL,
    CONSTRAINT orleans_query_pk PRIMARY KEY (QueryKey)
);
