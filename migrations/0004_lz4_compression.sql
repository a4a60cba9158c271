-- Objects are stored compressed with lz4 where the server has it.
--
-- A pod as the API server stores it (defaults, the service account volume, managedFields) is 2-3 KB
-- of JSON: over the TOAST threshold, so every write compresses it, up to three times (objects.object,
-- changes.object and changes.prev_object). With pglz that was the largest single cost in
-- Postgres's CPU while pods were being bound (about 8% of it); lz4 compresses several times faster
-- for about the same size. Values written before stay pglz and read as before.
--
-- Servers built without lz4 (PGlite, which `npm start` uses) refuse the method with
-- feature_not_supported: they keep pglz. The block is one statement, so the refusal does not abort
-- the migrations' transaction.
DO $$
BEGIN
  ALTER TABLE objects ALTER COLUMN object SET COMPRESSION lz4;
  ALTER TABLE changes ALTER COLUMN object SET COMPRESSION lz4, ALTER COLUMN prev_object SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  RAISE NOTICE 'lz4 compression is not available on this server; objects stay compressed with pglz';
END $$;
