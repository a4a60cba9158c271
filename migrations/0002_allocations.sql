-- Allocations: values drawn from a shared pool that no two objects may hold at once (a Service's
-- cluster IP, its node ports), claimed and released by apply_writes() in the same transaction as
-- the object that holds them. Table and function names are mirrored in libs/store/src/schema.ts.
--
-- apply_writes() holds the counter lock while it runs (see 0001's header), so "is this value
-- free? then take it" inside it is race-free across every API server sharing the database; and
-- an object and its allocations are never half-written: a write that fails claims nothing.

-- Who holds each value: the key of the object holding it ("C" collation, as in objects).
CREATE TABLE allocations (
  pool      text COLLATE "C" NOT NULL,  -- e.g. 'service-ip', 'node-port'
  value     text COLLATE "C" NOT NULL,  -- e.g. '127.224.0.7', '30080'
  api_group text COLLATE "C" NOT NULL,
  resource  text COLLATE "C" NOT NULL,
  namespace text COLLATE "C" NOT NULL,
  name      text COLLATE "C" NOT NULL,
  PRIMARY KEY (pool, value)
);
CREATE INDEX allocations_by_owner ON allocations (api_group, resource, namespace, name);

-- Services stored before this migration keep the values they show, so none is handed out again.
-- Pool names as in apps/apiserver/src/serviceAllocator.ts; a value shown twice stays with one.
INSERT INTO allocations (pool, value, api_group, resource, namespace, name)
SELECT 'service-ip', object #>> '{spec,clusterIP}', api_group, resource, namespace, name
FROM objects
WHERE api_group = '' AND resource = 'services'
  AND coalesce(object #>> '{spec,type}', 'ClusterIP') <> 'ExternalName'
  AND coalesce(object #>> '{spec,clusterIP}', '') NOT IN ('', 'None')
ON CONFLICT (pool, value) DO NOTHING;
INSERT INTO allocations (pool, value, api_group, resource, namespace, name)
SELECT 'node-port', port ->> 'nodePort', api_group, resource, namespace, name
FROM objects, jsonb_array_elements(CASE WHEN jsonb_typeof(object #> '{spec,ports}') = 'array' THEN object #> '{spec,ports}' ELSE '[]' END) AS port
WHERE api_group = '' AND resource = 'services'
  AND object #>> '{spec,type}' IN ('NodePort', 'LoadBalancer')
  AND jsonb_typeof(port -> 'nodePort') = 'number'
ON CONFLICT (pool, value) DO NOTHING;

-- claim_allocations: makes `p_allocations` exactly the set of values the object at the key holds.
--   in:  the owner's key; a JSON array [{"pool", "value"}, ...] (duplicates allowed), or NULL to
--        leave the owner's allocations as they are.
--   out: NULL when done; otherwise the first listed {"pool", "value"} another object holds, and
--        nothing was changed.
--   atomicity: called only from apply_writes(), under the counter lock, before the object row is
--        written: it checks every value first, then releases what is no longer listed, then
--        inserts the rest.
CREATE FUNCTION claim_allocations(p_group text, p_resource text, p_namespace text, p_name text, p_allocations jsonb)
RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  v_taken jsonb;
BEGIN
  IF p_allocations IS NULL OR jsonb_typeof(p_allocations) <> 'array' THEN
    RETURN NULL;
  END IF;
  SELECT jsonb_build_object('pool', a.pool, 'value', a.value) INTO v_taken
  FROM jsonb_to_recordset(p_allocations) AS wanted(pool text, value text)
  JOIN allocations a ON a.pool = wanted.pool AND a.value = wanted.value
  WHERE (a.api_group, a.resource, a.namespace, a.name) <> (p_group, p_resource, p_namespace, p_name)
  LIMIT 1;
  IF v_taken IS NOT NULL THEN
    RETURN v_taken;
  END IF;
  DELETE FROM allocations a
  WHERE a.api_group = p_group AND a.resource = p_resource AND a.namespace = p_namespace AND a.name = p_name
    AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset(p_allocations) AS wanted(pool text, value text)
                    WHERE wanted.pool = a.pool AND wanted.value = a.value);
  INSERT INTO allocations (pool, value, api_group, resource, namespace, name)
  SELECT DISTINCT wanted.pool, wanted.value, p_group, p_resource, p_namespace, p_name
  FROM jsonb_to_recordset(p_allocations) AS wanted(pool text, value text)
  ON CONFLICT (pool, value) DO NOTHING;
  RETURN NULL;
END
$$;

-- apply_writes, as in 0001 (its header there says the rest), now also claiming allocations:
--   in:  a create or update may carry "allocations": [{"pool", "value"}, ...], the full set of
--        values the object holds after the write (see claim_allocations). An update without it
--        leaves the object's allocations as they are.
--   out: out_error may also be 'AllocationConflict': a listed value is held by another object;
--        out_message names it and out_object is {"pool", "value"}. Like the other expected
--        failures it skips only its own write, which changes nothing and takes no version.
--   delete: releases every allocation the object held.

CREATE OR REPLACE FUNCTION apply_writes(p_writes jsonb)
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
  v_taken jsonb;    -- an allocation another object holds, from claim_allocations()
BEGIN
  SELECT value INTO v_before FROM resource_version_counter FOR UPDATE;
  v_rv := v_before;
  out_ord := -1;
  FOR w IN SELECT value FROM jsonb_array_elements(p_writes) LOOP
    out_ord := out_ord + 1;
    out_error := NULL;
    out_message := NULL;
    out_object := NULL;
    v_taken := NULL;
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
        v_taken := claim_allocations(v_group, v_resource, v_namespace, v_name, w -> 'allocations');
        IF v_taken IS NOT NULL THEN
          out_error := 'AllocationConflict';
          out_message := format('%s %s is already allocated', v_taken ->> 'pool', v_taken ->> 'value');
          out_object := v_taken;
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
      v_taken := claim_allocations(v_group, v_resource, v_namespace, v_name, w -> 'allocations');
      IF v_taken IS NOT NULL THEN
        out_error := 'AllocationConflict';
        out_message := format('%s %s is already allocated', v_taken ->> 'pool', v_taken ->> 'value');
        out_object := v_taken;
      ELSE
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
      END IF;

    ELSIF v_op = 'delete' THEN
      v_rv := v_rv + 1;
      out_object := jsonb_set(v_old.object, '{metadata,resourceVersion}', to_jsonb(v_rv::text));
      DELETE FROM objects
      WHERE api_group = v_group AND resource = v_resource AND namespace = v_namespace AND name = v_name;
      DELETE FROM allocations
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
