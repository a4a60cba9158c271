-- The object as it was before each MODIFIED change, kept in the change log next to the new one,
-- so a watch with a label or field selector can tell when an object leaves it (kube-apiserver sends
-- DELETED then, with the previous object) without keeping every object in memory. Rows written
-- before this migration have none; the change log holds minutes, so that passes.
--
-- apply_writes is as in 0002 (whose header says the rest), but for the MODIFIED row's prev_object.

ALTER TABLE changes ADD COLUMN prev_object jsonb;

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
          INSERT INTO changes (resource_version, type, api_group, resource, namespace, name, object, prev_object)
          VALUES (v_rv, 'MODIFIED', v_group, v_resource, v_namespace, v_name, out_object, v_old.object);
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
