using System.Text.Json.Nodes;
using Dashboard.Testing;

namespace Dashboard.EmbeddedCluster.Tests;

/// <summary>
/// A newcomer's first commands, with the real kubectl, as they answer on kube-apiserver: the typed
/// commands that send protobuf, server-side apply with its conflicts, lists in chunks, field ownership.
/// </summary>
public class KubectlEverydayTests
{
    static async Task<KubectlResult> Ok(TestCluster cluster, params string[] args)
    {
        var result = await cluster.KubectlAsync(args);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {result.Output}");
        return result;
    }

    [Fact]
    public async Task The_typed_create_commands_send_protobuf_and_create_what_they_say()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);

        Assert.Equal("namespace/demo created\n", (await Ok(cluster, "create", "namespace", "demo")).Stdout);
        Assert.Equal("deployment.apps/nginx created\n", (await Ok(cluster, "create", "deployment", "nginx", "--image=nginx", "-n", "demo", "--replicas=0", "--port=80")).Stdout);
        Assert.Equal("configmap/cfg created\n", (await Ok(cluster, "create", "configmap", "cfg", "--from-literal=a=b", "-n", "demo")).Stdout);
        Assert.Equal("secret/sec created\n", (await Ok(cluster, "create", "secret", "generic", "sec", "--from-literal=p=q", "-n", "demo")).Stdout);
        Assert.Equal("service/web created\n", (await Ok(cluster, "create", "service", "clusterip", "web", "--tcp=80:8080", "-n", "demo")).Stdout);
        Assert.Equal("serviceaccount/bot created\n", (await Ok(cluster, "create", "serviceaccount", "bot", "-n", "demo")).Stdout);
        Assert.Equal("role.rbac.authorization.k8s.io/reader created\n", (await Ok(cluster, "create", "role", "reader", "--verb=get", "--resource=pods", "-n", "demo")).Stdout);
        Assert.Equal("rolebinding.rbac.authorization.k8s.io/reader created\n", (await Ok(cluster, "create", "rolebinding", "reader", "--role=reader", "--serviceaccount=demo:bot", "-n", "demo")).Stdout);
        Assert.Equal("poddisruptionbudget.policy/web created\n", (await Ok(cluster, "create", "pdb", "web", "--selector=app=nginx", "--min-available=1", "-n", "demo")).Stdout);
        Assert.Equal("ingress.networking.k8s.io/web created\n", (await Ok(cluster, "create", "ingress", "web", "--rule=foo.com/bar=web:80", "-n", "demo")).Stdout);
        Assert.Equal("pod/hello created\n", (await Ok(cluster, "run", "hello", "--image=nginx", "--labels=app=hello", "-n", "demo")).Stdout);
        Assert.Equal("service/hello exposed\n", (await Ok(cluster, "expose", "pod", "hello", "--port=80", "-n", "demo")).Stdout);

        // What was sent in protobuf reads as its JSON: an explicit zero kept, the defaults applied, the secret's bytes as base64.
        var nginx = JsonNode.Parse((await Ok(cluster, "get", "deployment", "nginx", "-n", "demo", "-o", "json")).Stdout)!;
        Assert.Equal(0, (int)nginx["spec"]!["replicas"]!);
        Assert.Equal("RollingUpdate", (string?)nginx["spec"]!["strategy"]!["type"]);
        Assert.Equal(80, (int)nginx["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]![0]!["containerPort"]!);
        Assert.Equal("cQ==", (await Ok(cluster, "get", "secret", "sec", "-n", "demo", "-o", "jsonpath={.data.p}")).Stdout);
        Assert.Equal("web:80", (await Ok(cluster, "get", "ingress", "web", "-n", "demo", "-o", "jsonpath={.spec.rules[0].http.paths[0].backend.service.name}:{.spec.rules[0].http.paths[0].backend.service.port.number}")).Stdout);

        var again = await cluster.KubectlAsync("create", "namespace", "demo");
        Assert.Equal((1, "Error from server (AlreadyExists): namespaces \"demo\" already exists\n"), (again.ExitCode, again.Stderr));
        var bad = await cluster.KubectlAsync("create", "deployment", "Bad_Name", "--image=nginx");
        Assert.Equal(1, bad.ExitCode);
        Assert.StartsWith("error: failed to create deployment: Deployment.apps \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\"", bad.Stderr);
    }

    [Fact]
    public async Task Auth_can_i_asks_in_protobuf_and_hears_yes()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        var result = await Ok(cluster, "auth", "can-i", "patch", "deployments.apps", "-n", "default");
        Assert.Equal("yes\n", result.Stdout);
    }

    [Fact]
    public async Task Server_side_apply_owns_fields_reports_conflicts_and_forces_them()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        var manifest = Path.Combine(Path.GetTempPath(), $"ssa-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(manifest, """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, labels: {app: web}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: "nginx:1.27"}]}
            """);

        Assert.Equal("deployment.apps/web serverside-applied\n", (await Ok(cluster, "apply", "--server-side", "-f", manifest)).Stdout);
        await Ok(cluster, "scale", "deployment/web", "--replicas=3");
        var conflict = await cluster.KubectlAsync("apply", "--server-side", "-f", manifest);
        Assert.Equal(1, conflict.ExitCode);
        Assert.StartsWith("error: Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas\n", conflict.Stderr);
        Assert.Equal("3", (await Ok(cluster, "get", "deployment/web", "-o", "jsonpath={.spec.replicas}")).Stdout);

        Assert.Equal("deployment.apps/web serverside-applied\n", (await Ok(cluster, "apply", "--server-side", "--force-conflicts", "-f", manifest)).Stdout);
        var web = JsonNode.Parse((await Ok(cluster, "get", "deployment/web", "-o", "json", "--show-managed-fields")).Stdout)!;
        Assert.Equal(2, (int)web["spec"]!["replicas"]!);
        var entries = web["metadata"]!["managedFields"]!.AsArray().Select(e => $"{e!["manager"]}/{e["operation"]}/{e["subresource"]}").ToList();
        Assert.Contains("kubectl/Apply/", entries);
        Assert.Contains("kube-controller-manager/Update/status", entries);
        Assert.DoesNotContain(entries, e => e.EndsWith("/scale", StringComparison.Ordinal)); // the forced apply took its only field
        var applied = web["metadata"]!["managedFields"]!.AsArray().Single(e => (string?)e!["operation"] == "Apply")!["fieldsV1"]!;
        Assert.Equal("""{".":{},"f:image":{},"f:name":{}}""", applied["f:spec"]!["f:template"]!["f:spec"]!["f:containers"]!["k:{\"name\":\"web\"}"]!.ToJsonString());

        // A resourceVersion in the applied configuration pins it, as in any patch.
        using (var http = new HttpClient { BaseAddress = cluster.ApiUri })
        {
            var stale = await http.PatchAsync("apis/apps/v1/namespaces/default/deployments/web?fieldManager=pinned",
                new StringContent("""{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","resourceVersion":"1"},"spec":{"minReadySeconds":3}}""", System.Text.Encoding.UTF8, "application/apply-patch+yaml"));
            Assert.Equal(409, (int)stale.StatusCode);
            Assert.Contains("the object has been modified", await stale.Content.ReadAsStringAsync());
        }

        // Another manager's change to a field the applier owns: the applier loses it, and the next apply must force again.
        await Ok(cluster, "set", "image", "deployment/web", "web=nginx:1.28");
        var image = await cluster.KubectlAsync("apply", "--server-side", "-f", manifest);
        Assert.StartsWith("error: Apply failed with 1 conflict: conflict with \"kubectl-set\" using apps/v1: .spec.template.spec.containers[name=\"web\"].image\n", image.Stderr);
        File.Delete(manifest);
    }

    [Fact]
    public async Task Get_reads_in_chunks_with_one_resourceVersion_and_a_compacted_token_is_410()
    {
        await using var cluster = await TestCluster.StartAsync();
        await Ok(cluster, "rollout", "status", "deployment/flask-app", "--timeout=60s");

        var chunked = await Ok(cluster, "get", "pods", "-A", "--chunk-size=2", "-v=6");
        Assert.Equal(7, chunked.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // the header and six pods, over three requests
        Assert.Equal(3, chunked.Stderr.Split('\n').Count(l => l.Contains("/api/v1/pods?", StringComparison.Ordinal) && l.Contains("200 OK", StringComparison.Ordinal)));

        using var http = new HttpClient { BaseAddress = cluster.ApiUri };
        var first = JsonNode.Parse(await http.GetStringAsync("api/v1/namespaces/default/pods?limit=2"))!;
        var token = (string)first["metadata"]!["continue"]!;
        Assert.Equal(3, (long)first["metadata"]!["remainingItemCount"]!);
        // A change after the first page is not in the pages after it: they read the first page's snapshot.
        await Ok(cluster, "scale", "deployment/flask-app", "--replicas=7");
        var rest = JsonNode.Parse(await http.GetStringAsync($"api/v1/namespaces/default/pods?limit=10&continue={token}"))!;
        Assert.Equal(first["metadata"]!["resourceVersion"]!.ToString(), rest["metadata"]!["resourceVersion"]!.ToString());
        Assert.Equal(3, rest["items"]!.AsArray().Count);
        Assert.Null(rest["metadata"]!["continue"]);

        var withRv = await http.GetAsync($"api/v1/namespaces/default/pods?limit=2&continue={token}&resourceVersion=5");
        Assert.Equal(400, (int)withRv.StatusCode);
        Assert.Contains("specifying resource version is not allowed when using continue", await withRv.Content.ReadAsStringAsync());
        var garbage = JsonNode.Parse(await (await http.GetAsync("api/v1/namespaces/default/pods?limit=2&continue=abc")).Content.ReadAsStringAsync())!;
        Assert.StartsWith("invalid continue token: continue key is not valid", (string?)garbage["message"]);

        cluster.Host.Server.Cluster.Store.ExpireHistory();
        var expired = await http.GetAsync($"api/v1/namespaces/default/pods?limit=2&continue={token}");
        var status = JsonNode.Parse(await expired.Content.ReadAsStringAsync())!;
        Assert.Equal((410, "Expired"), ((int)expired.StatusCode, (string?)status["reason"]));
        Assert.StartsWith("The provided continue parameter is too old to display a consistent list result.", (string?)status["message"]);
        var latest = JsonNode.Parse(await http.GetStringAsync($"api/v1/namespaces/default/pods?limit=10&continue={status["metadata"]!["continue"]}"))!;
        Assert.True(latest["items"]!.AsArray().Count >= 3);
    }

    [Fact]
    public async Task Delete_with_each_cascade()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        foreach (var name in new[] { "bg", "fg", "orphan" })
            await Ok(cluster, "create", "deployment", name, "--image=nginx", "--replicas=2");
        foreach (var name in new[] { "bg", "fg", "orphan" })
            await Ok(cluster, "rollout", "status", $"deployment/{name}", "--timeout=60s");

        Assert.Equal("deployment.apps \"bg\" deleted\n", (await Ok(cluster, "delete", "deployment", "bg", "--cascade=background")).Stdout);
        Assert.Equal("deployment.apps \"fg\" deleted\n", (await Ok(cluster, "delete", "deployment", "fg", "--cascade=foreground")).Stdout);
        Assert.Equal("deployment.apps \"orphan\" deleted\n", (await Ok(cluster, "delete", "deployment", "orphan", "--cascade=orphan")).Stdout);

        // Foreground: by the time kubectl says deleted (it waits), the ReplicaSet and its pods are gone too.
        Assert.Equal("", (await Ok(cluster, "get", "rs", "-l", "app=fg", "-o", "name")).Stdout);
        await cluster.WaitUntilAsync(async () => (await Ok(cluster, "get", "rs", "-l", "app=bg", "-o", "name")).Stdout.Length == 0, because: "the background delete's dependents went");
        // The foreground delete itself answers with the object still there, marked, waiting for its dependents.
        await Ok(cluster, "create", "deployment", "held", "--image=nginx", "--replicas=2");
        await Ok(cluster, "rollout", "status", "deployment/held", "--timeout=60s");
        using var http = new HttpClient { BaseAddress = cluster.ApiUri };
        var marked = JsonNode.Parse(await (await http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "apis/apps/v1/namespaces/default/deployments/held")
        {
            Content = new StringContent("""{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Foreground"}""", System.Text.Encoding.UTF8, "application/json"),
        })).Content.ReadAsStringAsync())!;
        Assert.Equal("""["foregroundDeletion"]""", marked["metadata"]!["finalizers"]!.ToJsonString());
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        await cluster.WaitUntilAsync(async () => (await cluster.KubectlAsync("get", "deployment/held")).ExitCode != 0, because: "the held Deployment went after its ReplicaSet");
        Assert.Equal("", (await Ok(cluster, "get", "rs,pods", "-l", "app=held", "-o", "name")).Stdout);

        // Orphan answers the same way, with the orphan finalizer, while the references come off.
        await Ok(cluster, "create", "deployment", "let-go", "--image=nginx", "--replicas=1");
        await Ok(cluster, "rollout", "status", "deployment/let-go", "--timeout=60s");
        var orphaning = JsonNode.Parse(await (await http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "apis/apps/v1/namespaces/default/deployments/let-go")
        {
            Content = new StringContent("""{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Orphan"}""", System.Text.Encoding.UTF8, "application/json"),
        })).Content.ReadAsStringAsync())!;
        Assert.Equal("""["orphan"]""", orphaning["metadata"]!["finalizers"]!.ToJsonString());
        await cluster.WaitUntilAsync(async () => (await cluster.KubectlAsync("get", "deployment/let-go")).ExitCode != 0, because: "the orphaning Deployment went");
        Assert.Equal("", (await Ok(cluster, "get", "rs", "-l", "app=let-go", "-o", "jsonpath={.items[*].metadata.ownerReferences}")).Stdout);

        // Orphan: the ReplicaSet stays, owned by no one, its pods still running.
        var orphan = JsonNode.Parse((await Ok(cluster, "get", "rs", "-l", "app=orphan", "-o", "json")).Stdout)!["items"]!.AsArray().Single()!;
        Assert.Null(orphan["metadata"]!["ownerReferences"]);
        Assert.Equal(2, (int)orphan["status"]!["readyReplicas"]!);
    }

    [Fact]
    public async Task Terminating_pods_are_counted_in_status_terminatingReplicas_as_on_Kubernetes_1_33()
    {
        await using var cluster = await TestCluster.StartAsync(timeScale: 1);
        await Ok(cluster, "rollout", "status", "deployment/flask-app", "--timeout=60s");
        Assert.Equal("0", (await Ok(cluster, "get", "deployment/flask-app", "-o", "jsonpath={.status.terminatingReplicas}")).Stdout);

        await Ok(cluster, "scale", "deployment/flask-app", "--replicas=2");
        // flask-app's pods take their preStop sleep to go: meanwhile the ReplicaSet and the Deployment count them.
        await cluster.WaitUntilAsync(async () => (await Ok(cluster, "get", "deployment/flask-app", "-o", "jsonpath={.status.terminatingReplicas}")).Stdout == "3",
            because: "three pods are terminating");
        Assert.Equal("3", (await Ok(cluster, "get", "rs", "-l", "app=flask-app", "-o", "jsonpath={.items[0].status.terminatingReplicas}")).Stdout);
        await cluster.WaitUntilAsync(async () => (await Ok(cluster, "get", "deployment/flask-app", "-o", "jsonpath={.status.terminatingReplicas}")).Stdout == "0",
            TimeSpan.FromSeconds(60), "the terminating pods are gone");
    }

    [Fact]
    public async Task Field_selectors_a_kind_does_not_support_are_refused_and_discovery_lists_the_reviews()
    {
        await using var cluster = await TestCluster.StartAsync();
        var pods = await cluster.KubectlAsync("get", "pods", "--field-selector=spec.foo=bar");
        Assert.Equal("Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label selector \"\", field selector \"spec.foo=bar\": field label not supported: spec.foo\n", pods.Stderr);
        var deployments = await cluster.KubectlAsync("get", "deployments", "--field-selector=spec.replicas=1");
        Assert.EndsWith("\"spec.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"\n", deployments.Stderr);
        await Ok(cluster, "rollout", "status", "deployment/flask-app", "--timeout=60s");
        // The second article's pod runs on the host network; flask-app's five do not.
        Assert.Equal(5, (await Ok(cluster, "get", "pods", "-A", "--field-selector=status.phase=Running,spec.hostNetwork=false", "-o", "name")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);

        var resources = (await Ok(cluster, "api-resources", "-o", "name")).Stdout.Split('\n');
        Assert.Contains("selfsubjectaccessreviews.authorization.k8s.io", resources);
        Assert.Contains("leases.coordination.k8s.io", resources);
        Assert.Contains("tokenreviews.authentication.k8s.io", resources);
    }

    [Fact]
    public async Task Explain_reads_the_documented_schemas_of_the_served_kinds()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        Assert.Equal(""""
            GROUP:      apps
            KIND:       Deployment
            VERSION:    v1

            FIELD: replicas <integer>


            DESCRIPTION:
                Number of desired pods. This is a pointer to distinguish between explicit
                zero and not specified. Defaults to 1.
                

            """".ReplaceLineEndings("\n") + "\n", (await Ok(cluster, "explain", "deployment.spec.replicas")).Stdout);
        var ports = (await Ok(cluster, "explain", "pods.spec.containers.ports")).Stdout;
        Assert.Contains("FIELD: ports <[]ContainerPort>", ports);
        Assert.Contains("containerPort\t<integer>", ports);
        var lease = (await Ok(cluster, "explain", "lease.spec.holderIdentity")).Stdout;
        Assert.Contains("FIELD: holderIdentity <string>", lease);
    }

    [Fact]
    public async Task Diff_shows_what_an_apply_would_change_through_a_server_dry_run_and_wait_waits_for_conditions()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        var dir = Path.Combine(Path.GetTempPath(), $"diff-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        string Manifest(string image) => """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, labels: {app: web}}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: "IMAGE"}]}
            """.Replace("IMAGE", image, StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(dir, "v1.yaml"), Manifest("nginx:1.27"));
        await File.WriteAllTextAsync(Path.Combine(dir, "v2.yaml"), Manifest("nginx:1.28"));
        await Ok(cluster, "apply", "-f", Path.Combine(dir, "v1.yaml"));
        Assert.Equal("deployment.apps/web condition met\n", (await Ok(cluster, "wait", "--for=condition=Available", "deployment/web", "--timeout=60s")).Stdout);
        Assert.Equal("deployment.apps/web condition met\n", (await Ok(cluster, "wait", "--for=jsonpath={.status.readyReplicas}=2", "deployment/web", "--timeout=60s")).Stdout);

        var same = await cluster.KubectlAsync("diff", "-f", Path.Combine(dir, "v1.yaml"));
        Assert.Equal((0, ""), (same.ExitCode, same.Stdout));
        var changed = await cluster.KubectlAsync("diff", "-f", Path.Combine(dir, "v2.yaml"));
        Assert.Equal(1, changed.ExitCode);
        Assert.Contains("-      - image: nginx:1.27\n+      - image: nginx:1.28\n", changed.Stdout);
        // The dry run changed nothing.
        Assert.Equal("nginx:1.27", (await Ok(cluster, "get", "deployment/web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")).Stdout);
        Directory.Delete(dir, recursive: true);
    }
}
