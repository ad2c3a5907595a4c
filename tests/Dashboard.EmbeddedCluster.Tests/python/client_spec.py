"""The official Python client (Debian's python3-kubernetes) against the embedded cluster.

Each check prints "ok <name>"; any failure raises and exits non-zero. Run with the cluster's
kubeconfig in KUBECONFIG.
"""
import json
import os
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=os.environ["KUBECONFIG"])
core = client.CoreV1Api()
apps = client.AppsV1Api()


def ok(name):
    print("ok", name, flush=True)


def error_of(call):
    try:
        call()
    except ApiException as e:
        return e.status, json.loads(e.body)
    raise AssertionError("no error")


# Paging: limit and _continue, every page at the first page's resourceVersion.
first = core.list_namespaced_pod("default", limit=2, label_selector="app=flask-app")
assert len(first.items) == 2 and first.metadata._continue, first.metadata
names = [p.metadata.name for p in first.items]
token = first.metadata._continue
while token:
    page = core.list_namespaced_pod("default", limit=2, _continue=token, label_selector="app=flask-app")
    assert page.metadata.resource_version == first.metadata.resource_version
    names += [p.metadata.name for p in page.items]
    token = page.metadata._continue
assert len(names) == 5 and len(set(names)) == 5, names
ok("paging")

# Typed create with a dry run: answered, not stored.
deployment = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py", labels={"app": "py"}),
    spec=client.V1DeploymentSpec(
        replicas=1,
        selector=client.V1LabelSelector(match_labels={"app": "py"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "py"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.27")]))))
dry = apps.create_namespaced_deployment("default", deployment, dry_run="All")
assert dry.metadata.uid and dry.spec.strategy.type == "RollingUpdate"
status, body = error_of(lambda: apps.read_namespaced_deployment("py", "default"))
assert status == 404 and body["reason"] == "NotFound" and body["message"] == 'deployments.apps "py" not found', body
ok("dry run")

created = apps.create_namespaced_deployment("default", deployment, field_manager="python-spec")
assert created.metadata.managed_fields[0].manager == "python-spec", created.metadata.managed_fields
status, body = error_of(lambda: apps.create_namespaced_deployment("default", deployment))
assert status == 409 and body["reason"] == "AlreadyExists" and body["details"] == {"name": "py", "group": "apps", "kind": "deployments"}, body
bad = client.V1Deployment(metadata=client.V1ObjectMeta(name="bad"), spec=client.V1DeploymentSpec(
    replicas=-1, selector=deployment.spec.selector, template=deployment.spec.template))
status, body = error_of(lambda: apps.create_namespaced_deployment("default", bad))
assert status == 422 and body["reason"] == "Invalid", body
assert body["message"] == 'Deployment.apps "bad" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0', body["message"]
assert body["details"]["causes"][0]["field"] == "spec.replicas", body
ok("error bodies")

# Watches: the change after a resourceVersion arrives as MODIFIED.
events = []
w = watch.Watch()
def follow():
    for e in w.stream(apps.list_namespaced_deployment, "default", field_selector="metadata.name=py",
                      resource_version=created.metadata.resource_version, timeout_seconds=20):
        events.append((e["type"], e["object"].spec.replicas))
        if e["object"].spec.replicas == 3:
            w.stop()
t = threading.Thread(target=follow)
t.start()

# Scale through the scale subresource.
apps.patch_namespaced_deployment_scale("py", "default", {"spec": {"replicas": 3}})
t.join(25)
assert ("MODIFIED", 3) in events, events
assert apps.read_namespaced_deployment_scale("py", "default").spec.replicas == 3
ok("watch")
ok("scale")

# Patches: strategic merge (the client's default for a dict), JSON merge, JSON patch.
apps.patch_namespaced_deployment("py", "default", {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}})
assert apps.read_namespaced_deployment("py", "default").spec.template.spec.containers[0].image == "nginx:1.28"
apps.patch_namespaced_deployment("py", "default", [{"op": "replace", "path": "/spec/replicas", "value": 2}])
assert apps.read_namespaced_deployment("py", "default").spec.replicas == 2
api = client.ApiClient()
api.call_api("/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "PATCH", {"namespace": "default", "name": "py"},
             header_params={"Content-Type": "application/merge-patch+json", "Accept": "application/json"},
             body={"metadata": {"labels": {"tier": "web"}}}, response_type="object", auth_settings=["BearerToken"])
assert apps.read_namespaced_deployment("py", "default").metadata.labels == {"app": "py", "tier": "web"}
status, body = error_of(lambda: apps.patch_namespaced_deployment("py", "default", [{"op": "test", "path": "/spec/replicas", "value": 9}]))
assert status == 422 and body["reason"] == "Invalid" and "testing value /spec/replicas failed" in body["message"], (status, body)
ok("patches")

apps.delete_namespaced_deployment("py", "default", propagation_policy="Foreground")
# Gone at once: a Status, as kube-apiserver answers for a ConfigMap (a Pod or Service answers with the object).
core.create_namespaced_config_map("default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py"), data={"a": "b"}))
gone = core.delete_namespaced_config_map("py", "default")
assert gone.status == "Success" and gone.details.kind == "configmaps" and gone.details.name == "py", gone
ok("delete")
