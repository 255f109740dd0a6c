-- Mesh on PostgreSQL, script 003: grain state (Orleans.Persistence.AdoNet, invariant "Npgsql").
--
-- One row per (service, state name, grain). Orleans identifies the grain by two hashes, two 64-bit numbers and an
-- optional string (for string-keyed grains the whole key, for others the key extension, NULL when there is none);
-- grain_type holds the state's name. The payload is whatever the configured serializer wrote (Mesh: MessagePack).
--
-- version is the ETag: every write names the version it read and succeeds only if the row still has it, else the
-- query yields NULL and Orleans raises InconsistentStateException. A first write (no ETag) succeeds only if no row
-- exists. Both checks happen inside the single statement that changes the row, so they hold under concurrency.

CREATE TABLE IF NOT EXISTS orleans_storage
(
    service_id         text        NOT NULL,
    grain_type         text        NOT NULL,
    grain_type_hash    integer     NOT NULL,
    grain_id_hash      integer     NOT NULL,
    grain_id_n0        bigint      NOT NULL,
    grain_id_n1        bigint      NOT NULL,
    grain_id_extension text        NULL,
    payload            bytea       NULL,
    version            integer     NOT NULL,
    modified_at        timestamptz NOT NULL DEFAULT now()
);

-- One row per grain and state. The key may be NULL, and NULL is not equal to '' (nor to NULL, for a plain unique
-- index), so the index holds both the text and whether it is NULL.
CREATE UNIQUE INDEX IF NOT EXISTS orleans_storage_grain ON orleans_storage
    (grain_id_hash, grain_type_hash, grain_id_n0, grain_id_n1, service_id, grain_type,
     (COALESCE(grain_id_extension, '')), ((grain_id_extension IS NULL)));

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Result: no row (never written), or the payload (NULL once cleared) and the version.
('ReadFromStorageKey', $q$
SELECT s.payload AS "PayloadBinary", s.version AS "Version"
  FROM orleans_storage s
 WHERE s.grain_id_hash = @GrainIdHash AND s.grain_type_hash = @GrainTypeHash
   AND s.grain_id_n0 = @GrainIdN0 AND s.grain_id_n1 = @GrainIdN1
   AND s.service_id = @ServiceId AND s.grain_type = @GrainTypeString
   AND COALESCE(s.grain_id_extension, '') = COALESCE(@GrainIdExtensionString, '')
   AND (s.grain_id_extension IS NULL) = (@GrainIdExtensionString IS NULL);
$q$),

-- Result: exactly one row; NewGrainStateVersion is the new version, or NULL when the ETag did not match (an update
-- of a row that changed or vanished, or a first write racing another).
('WriteToStorageKey', $q$
WITH updated AS (
    UPDATE orleans_storage s
       SET payload = @PayloadBinary, version = s.version + 1, modified_at = now()
     WHERE @GrainStateVersion IS NOT NULL
       AND s.grain_id_hash = @GrainIdHash AND s.grain_type_hash = @GrainTypeHash
       AND s.grain_id_n0 = @GrainIdN0 AND s.grain_id_n1 = @GrainIdN1
       AND s.service_id = @ServiceId AND s.grain_type = @GrainTypeString
       AND COALESCE(s.grain_id_extension, '') = COALESCE(@GrainIdExtensionString, '')
       AND (s.grain_id_extension IS NULL) = (@GrainIdExtensionString IS NULL)
       AND s.version = @GrainStateVersion
    RETURNING s.version),
inserted AS (
    INSERT INTO orleans_storage
        (service_id, grain_type, grain_type_hash, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
    SELECT @ServiceId, @GrainTypeString, @GrainTypeHash, @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainIdExtensionString,
           @PayloadBinary, 1
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING version)
SELECT (SELECT version FROM updated UNION ALL SELECT version FROM inserted) AS "NewGrainStateVersion";
$q$),

-- ClearStateAsync with DeleteStateOnClear = false: the row stays with a NULL payload and a new version.
-- Result: one row, the new version or NULL when the ETag did not match.
('ClearStorageKey', $q$
WITH cleared AS (
    UPDATE orleans_storage s
       SET payload = NULL, version = s.version + 1, modified_at = now()
     WHERE s.grain_id_hash = @GrainIdHash AND s.grain_type_hash = @GrainTypeHash
       AND s.grain_id_n0 = @GrainIdN0 AND s.grain_id_n1 = @GrainIdN1
       AND s.service_id = @ServiceId AND s.grain_type = @GrainTypeString
       AND COALESCE(s.grain_id_extension, '') = COALESCE(@GrainIdExtensionString, '')
       AND (s.grain_id_extension IS NULL) = (@GrainIdExtensionString IS NULL)
       AND s.version = @GrainStateVersion
    RETURNING s.version)
SELECT (SELECT version FROM cleared) AS "NewGrainStateVersion";
$q$),

-- ClearStateAsync with DeleteStateOnClear = true: the row goes. Orleans then forgets the ETag, so the next write is
-- a first write. Result: one row, NULL when the ETag did not match; otherwise a value that differs from the ETag
-- (Orleans takes an unchanged version to mean nothing happened), the version the clear would have produced.
('DeleteStorageKey', $q$
WITH deleted AS (
    DELETE FROM orleans_storage s
     WHERE s.grain_id_hash = @GrainIdHash AND s.grain_type_hash = @GrainTypeHash
       AND s.grain_id_n0 = @GrainIdN0 AND s.grain_id_n1 = @GrainIdN1
       AND s.service_id = @ServiceId AND s.grain_type = @GrainTypeString
       AND COALESCE(s.grain_id_extension, '') = COALESCE(@GrainIdExtensionString, '')
       AND (s.grain_id_extension IS NULL) = (@GrainIdExtensionString IS NULL)
       AND s.version = @GrainStateVersion
    RETURNING s.version)
SELECT (SELECT version::bigint + 1 FROM deleted) AS "NewGrainStateVersion";
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
