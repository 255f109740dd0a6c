-- Mesh on PostgreSQL, script 006: the audit trail (src/Mesh.Silo/Storage/PostgresAuditStore.cs).
--
-- audit_records holds every record of every stream. body is the record's canonical encoding and hash its SHA-256;
-- each body names the previous record's hash, so the rows of a stream form a chain the verifier checks. The other
-- columns are copies of fields of the body, for searching; they are not trusted (the verifier compares them with the
-- body). id is the insertion order, the cursor for tailing and paging. (stream, seq) is unique: two writers can never
-- both add record n of a stream, the second one's batch fails whole and it learns of the conflict.
--
-- audit_checkpoints holds signed statements of the stream heads (ECDSA P-256 over the SHA-256 of body), which pin
-- the chains: rewriting a stream and its hashes consistently still contradicts a checkpoint signed before.
--
-- Times are microseconds since the Unix epoch (bigint), as in embedded mode's SQLite file and in the signed bodies.
-- The column lists must match src/Mesh.Silo/Storage/AuditSql.cs, which both audit stores share.

CREATE TABLE IF NOT EXISTS audit_records
(
    id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream     text    NOT NULL,
    seq        bigint  NOT NULL,
    time_us    bigint  NOT NULL,
    kind       integer NOT NULL,
    tenant     text    NOT NULL,
    agent_id   text    NULL,
    effect     text    NULL,
    reason     text    NULL,
    request_id text    NULL,
    hash       bytea   NOT NULL,
    body       bytea   NOT NULL,
    CONSTRAINT audit_records_stream_seq UNIQUE (stream, seq)
);

-- The searches of the HTTP API and `mesh audit`: a tenant's or an agent's records in insertion order, and the
-- records of one request. A stream's head and the verifier's walk use the unique index on (stream, seq).
CREATE INDEX IF NOT EXISTS audit_records_tenant ON audit_records (tenant, id);
CREATE INDEX IF NOT EXISTS audit_records_agent ON audit_records (agent_id, id);
CREATE INDEX IF NOT EXISTS audit_records_request ON audit_records (request_id);

CREATE TABLE IF NOT EXISTS audit_checkpoints
(
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time_us    bigint NOT NULL,
    writer     text   NOT NULL,
    key_id     text   NOT NULL,
    public_key bytea  NOT NULL,
    body       bytea  NOT NULL,
    signature  bytea  NOT NULL
);

-- Append-only, as defence in depth. Mesh only ever inserts and selects; these triggers make every UPDATE, DELETE and
-- TRUNCATE of the audit tables fail, whoever runs it, so a mistaken clean-up script or an injected statement cannot
-- quietly rewrite history. They fire once per statement (before it touches a row), so even a statement that would
-- match no row is refused.
--
-- They are not the protection against a determined attacker: the tables' owner can disable or drop a trigger or drop
-- a table, a superuser can also skip triggers (session_replication_role = replica), and then change anything. That is what the hash chain and the signed checkpoints are
-- for: the audit verifier still detects such changes. The triggers make tampering a deliberate act that needs owner
-- rights, rather than one stray statement.
CREATE OR REPLACE FUNCTION mesh_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'audit records are append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING HINT = 'Mesh only inserts into the audit tables; its hash chain and signed checkpoints would expose any change.';
END;
$$;

-- DROP and CREATE rather than CREATE OR REPLACE TRIGGER (PostgreSQL 14 and later only).
DROP TRIGGER IF EXISTS audit_records_append_only ON audit_records;
CREATE TRIGGER audit_records_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_records
    FOR EACH STATEMENT EXECUTE FUNCTION mesh_audit_append_only();

DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints;
CREATE TRIGGER audit_checkpoints_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION mesh_audit_append_only();
