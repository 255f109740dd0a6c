-- Mesh on PostgreSQL, script 005: Mesh's own tables.
--
-- mesh_schema_version records which of these scripts were applied, and the SHA-256 of each as applied (of its text
-- with line endings normalised to LF). `mesh db init` creates it before script 001 so that it can record every
-- script; it is declared here too so that this folder describes the whole schema. Audit tables will follow here.

CREATE TABLE IF NOT EXISTS mesh_schema_version
(
    version    integer     NOT NULL,
    name       text        NOT NULL,
    sha256     text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mesh_schema_version_pk PRIMARY KEY (version)
);
