"""Watches ConfigMaps in a namespace with the official Python client (kubernetes.watch.Watch) while
it creates, changes and deletes one; prints the event types and names it saw as JSON lines."""
import json
import sys
import threading

from kubernetes import client, config, watch

kubeconfig, namespace, name = sys.argv[1], sys.argv[2], sys.argv[3]
config.load_kube_config(config_file=kubeconfig)
v1 = client.CoreV1Api()
start = v1.list_namespaced_config_map(namespace)
seen = []
ready = threading.Event()
done = threading.Event()


def watcher():
    w = watch.Watch()
    ready.set()
    for event in w.stream(v1.list_namespaced_config_map, namespace, resource_version=start.metadata.resource_version, timeout_seconds=30):
        obj = event["object"]
        seen.append({"type": event["type"], "name": obj.metadata.name, "data": obj.data})
        if event["type"] == "DELETED" and obj.metadata.name == name:
            w.stop()
    done.set()


thread = threading.Thread(target=watcher, daemon=True)
thread.start()
ready.wait(10)
v1.create_namespaced_config_map(namespace, {"metadata": {"name": name}, "data": {"v": "1"}})
v1.patch_namespaced_config_map(name, namespace, {"data": {"v": "2"}})
v1.delete_namespaced_config_map(name, namespace)
done.wait(30)
for e in seen:
    print(json.dumps(e))
