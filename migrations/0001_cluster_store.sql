-- The cluster store: objects, the change log, the resourceVersion counter, and the function that
-- writes them. Table, function and channel names are mirrored in libs/store/src/schema.ts; change
-- them in both places.
--
-- Every write goes through apply_writes() below, called as ONE statement, so a write is one round
-- trip and one transaction: it locks the single-row counter (held until commit, so versions are
-- handed out in commit order: docs/adr/002), writes the object rows and the change-log rows, sets
-- the counter to the last version it handed out and NOTIFYs skiff_changes with it. The store sends
-- writes that queue up behind a running call together in the next call (group commit: the
-- serialised commit's WAL flush is paid once per batch, not once per write).
--
-- The function is VOLATILE plpgsql at READ COMMITTED: every statement inside takes a fresh
-- snapshot, so once the counter lock is held, reads see every earlier write. Nothing else writes
-- objects or changes, and the counter is the first lock every write takes, so writers cannot
-- deadlock and an object row cannot change under a write that has read it.

-- Key columns use the "C" collation: byte order, the same on every server and on PGlite, so
-- lists come back in one order everywhere and keyset pagination compares the way the index sorts.
CREATE TABLE objects (
  api_group          text COLLATE "C" NOT NULL,
  resource           text COLLATE "C" NOT NULL,
  namespace          text COLLATE "C" NOT NULL,  -- '' for cluster-scoped kinds
  name               text COLLATE "C" NOT NULL,
  uid                text        NOT NULL,
  resource_version   bigint      NOT NULL,
  generation         bigint,
  creation_timestamp timestamptz,
  deletion_timestamp timestamptz,
  object             jsonb       NOT NULL,  -- the whole object, metadata.resourceVersion included
  PRIMARY KEY (api_group, resource, namespace, name)
);

-- One row per write, keyed by the version it took. Compaction deletes a prefix of it.
CREATE TABLE changes (
  resource_version bigint      PRIMARY KEY,
  type             text        NOT NULL CHECK (type IN ('ADDED', 'MODIFIED', 'DELETED')),
  api_group        text        NOT NULL,
  resource         text        NOT NULL,
  namespace        text        NOT NULL,
  name             text        NOT NULL,
  object           jsonb       NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The single row every write advances: it holds the newest version handed out. Starts at 1: a
-- store never reports resourceVersion "0", which Kubernetes clients read as "any version".
CREATE TABLE resource_version_counter (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  value    bigint  NOT NULL
);
INSERT INTO resource_version_counter (only_row, value) VALUES (true, 1);

-- Store-wide numbers that are not the counter, kept apart so compaction never contends with writers.
--   compacted_resource_version: every change at or below it has been deleted from the log.
CREATE TABLE store_meta (
  key   text   PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO store_meta (key, value) VALUES ('compacted_resource_version', 0);

-- apply_writes: applies a batch of writes in order, each at its own resourceVersion.
--   in:  a JSON array of writes (libs/store/src/operations/applyWrites.ts builds them):
--          {"op": "create", "group", "resource", "namespace", "name", "uid", "creationTimestamp",
--           "deletionTimestamp", "generation", "object"}   uid etc. decided by the caller
--          {"op": "update", <key>, "deletionTimestamp", "expectResourceVersion", "expectUid", "object"}
--          {"op": "delete", <key>, "expectResourceVersion", "expectUid"}
--   out: one row per write, in order: out_error is NULL, 'AlreadyExists', 'NotFound' or
--        'Conflict' (with out_message); out_object is the object as stored (as deleted, for a
--        delete). An expected failure only skips its own write; any other error aborts the batch.
--   update: uid and creationTimestamp are kept from the stored object; generation is bumped when
--        anything outside metadata and status changed (jsonb equality, so key order does not
--        matter); when the result equals the stored object nothing is written and no version is
--        taken, as in Kubernetes.
--   delete: the DELETED change carries the object at the delete's new resourceVersion.
CREATE FUNCTION apply_writes(p_writes jsonb)
RETURNS TABLE (out_ord int, out_error text, out_message text, out_object jsonb)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_before bigint;  -- the counter when the batch started
  v_rv bigint;      -- the last version handed out
  w jsonb;
  v_op text;
  v_group text;
  v_resource text;
  v_namespace text;
  v_name text;
  v_found boolean;
  v_old objects%ROWTYPE;
  v_new jsonb;
  v_generation bigint;
BEGIN
  SELECT value INTO v_before FROM resource_version_counter FOR UPDATE;
  v_rv := v_before;
  out_ord := -1;
  FOR w IN SELECT value FROM jsonb_array_elements(p_writes) LOOP
    out_ord := out_ord + 1;
    out_error := NULL;
    out_message := NULL;
    out_object := NULL;
    v_op := w ->> 'op';
    v_group := w ->> 'group';
    v_resource := w ->> 'resource';
    v_namespace := w ->> 'namespace';
    v_name := w ->> 'name';
    SELECT * INTO v_old FROM objects
    WHERE api_group = v_group AND resource = v_resource AND namespace = v_namespace AND name = v_name;
    v_found := FOUND;

    IF v_op = 'create' THEN
      IF v_found THEN
        out_error := 'AlreadyExists';
      ELSE
        v_rv := v_rv + 1;
        out_object := jsonb_set(w -> 'object', '{metadata,resourceVersion}', to_jsonb(v_rv::text));
        INSERT INTO objects (api_group, resource, namespace, name, uid, resource_version, generation,
                             creation_timestamp, deletion_timestamp, object)
        VALUES (v_group, v_resource, v_namespace, v_name, w ->> 'uid', v_rv, (w ->> 'generation')::bigint,
                (w ->> 'creationTimestamp')::timestamptz, (w ->> 'deletionTimestamp')::timestamptz, out_object);
        INSERT INTO changes (resource_version, type, api_group, resource, namespace, name, object)
        VALUES (v_rv, 'ADDED', v_group, v_resource, v_namespace, v_name, out_object);
      END IF;

    ELSIF NOT v_found THEN
      out_error := 'NotFound';
    ELSIF w ->> 'expectUid' IS NOT NULL AND w ->> 'expectUid' <> v_old.uid THEN
      out_error := 'Conflict';
      out_message := format('Precondition failed: UID in precondition: %s, UID in object meta: %s', w ->> 'expectUid', v_old.uid);
    ELSIF w ->> 'expectResourceVersion' IS NOT NULL AND w ->> 'expectResourceVersion' <> v_old.resource_version::text THEN
      out_error := 'Conflict';
      out_message := 'the object has been modified; please apply your changes to the latest version and try again';

    ELSIF v_op = 'update' THEN
      v_new := w -> 'object';
      v_generation := CASE
        WHEN v_old.generation IS NULL AND NOT (v_new ? 'spec') THEN NULL
        WHEN v_old.generation IS NULL THEN 1
        WHEN (v_old.object - 'metadata' - 'status') IS DISTINCT FROM (v_new - 'metadata' - 'status')
          THEN v_old.generation + 1
        ELSE v_old.generation
      END;
      v_new := jsonb_set(v_new, '{metadata}',
        (v_new -> 'metadata') - 'generation' - 'resourceVersion'
        || jsonb_strip_nulls(jsonb_build_object(
             'uid', v_old.uid,
             'creationTimestamp', v_old.object #> '{metadata,creationTimestamp}',
             'generation', v_generation,
             'resourceVersion', v_old.resource_version::text)));
      IF v_new = v_old.object THEN
        out_object := v_old.object;
      ELSE
        v_rv := v_rv + 1;
        out_object := jsonb_set(v_new, '{metadata,resourceVersion}', to_jsonb(v_rv::text));
        UPDATE objects
        SET resource_version = v_rv, generation = v_generation,
            deletion_timestamp = (w ->> 'deletionTimestamp')::timestamptz, object = out_object
        WHERE api_group = v_group AND resource = v_resource AND namespace = v_namespace AND name = v_name;
        INSERT INTO changes (resource_version, type, api_group, resource, namespace, name, object)
        VALUES (v_rv, 'MODIFIED', v_group, v_resource, v_namespace, v_name, out_object);
      END IF;

    ELSIF v_op = 'delete' THEN
      v_rv := v_rv + 1;
      out_object := jsonb_set(v_old.object, '{metadata,resourceVersion}', to_jsonb(v_rv::text));
      DELETE FROM objects
      WHERE api_group = v_group AND resource = v_resource AND namespace = v_namespace AND name = v_name;
      INSERT INTO changes (resource_version, type, api_group, resource, namespace, name, object)
      VALUES (v_rv, 'DELETED', v_group, v_resource, v_namespace, v_name, out_object);

    ELSE
      RAISE EXCEPTION 'apply_writes: unknown op %', v_op;
    END IF;
    RETURN NEXT;
  END LOOP;

  IF v_rv > v_before THEN
    UPDATE resource_version_counter SET value = v_rv;
    PERFORM pg_notify('skiff_changes', v_rv::text);
  END IF;
END
$$;
