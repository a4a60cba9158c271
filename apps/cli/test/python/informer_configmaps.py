"""An informer as Python programs write one with the official client (it has no SharedInformer:
kubernetes-client/python#868): list with a label selector, keep the objects in a dict, watch from
the list's resourceVersion and apply each event to the dict. Meanwhile it changes ConfigMaps so
that one enters the selector, changes, leaves it (relabelled), and another is created and deleted.
Prints each event, then the cache, as JSON lines."""
import json
import sys
import threading

from kubernetes import client, config, watch

kubeconfig, namespace = sys.argv[1], sys.argv[2]
selector = "team=py"
config.load_kube_config(config_file=kubeconfig)
v1 = client.CoreV1Api()
listed = v1.list_namespaced_config_map(namespace, label_selector=selector)
cache = {cm.metadata.name: cm for cm in listed.items}
seen = []
done = threading.Event()


def informer():
    w = watch.Watch()
    for event in w.stream(v1.list_namespaced_config_map, namespace, label_selector=selector, resource_version=listed.metadata.resource_version, timeout_seconds=30):
        obj = event["object"]
        if event["type"] == "DELETED":
            cache.pop(obj.metadata.name, None)
        else:
            cache[obj.metadata.name] = obj
        seen.append({"type": event["type"], "name": obj.metadata.name, "team": (obj.metadata.labels or {}).get("team")})
        if event["type"] == "DELETED" and obj.metadata.name == "py-second":
            w.stop()
    done.set()


thread = threading.Thread(target=informer, daemon=True)
thread.start()
v1.create_namespaced_config_map(namespace, {"metadata": {"name": "py-first", "labels": {"team": "py"}}, "data": {"v": "1"}})
v1.patch_namespaced_config_map("py-first", namespace, {"data": {"v": "2"}})
v1.patch_namespaced_config_map("py-first", namespace, {"metadata": {"labels": {"team": "other"}}})
v1.create_namespaced_config_map(namespace, {"metadata": {"name": "py-second", "labels": {"team": "py"}}})
v1.delete_namespaced_config_map("py-second", namespace)
done.wait(30)
for e in seen:
    print(json.dumps(e))
print(json.dumps({"cache": sorted(cache)}))
