using System.Diagnostics;
using Dashboard.EmbeddedCluster.Hosting;
using k8s;
using k8s.Models;
using Dashboard.Kubernetes;
using Dashboard.Testing;

namespace Dashboard.EmbeddedCluster.Tests;

/// <summary>The simulated data plane: what users of a Service would see during a rollout.</summary>
public class DataPlaneTests
{
    sealed record Traffic(int Ok, int Failed, IReadOnlyDictionary<string, int> Answers, IReadOnlyList<string> Failures);

    static async Task<string> UrlOfAsync(TestCluster cluster, string ns, string service)
    {
        string? url = null;
        await cluster.WaitUntilAsync(async () =>
        {
            var svc = await cluster.Client.CoreV1.ReadNamespacedServiceAsync(service, ns);
            url = svc.Metadata.Annotations is { } a && a.TryGetValue(WellKnown.DataPlaneUrlAnnotation, out var u) ? u : null;
            return url is not null;
        }, because: "the data plane publishes its address on the Service");
        return url!;
    }

    /// <summary>Requests every 20 ms until <paramref name="until"/> completes, then one more second.</summary>
    static async Task<Traffic> ProbeAsync(string url, Task until)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var answers = new Dictionary<string, int>();
        var failures = new List<string>();
        var ok = 0;
        Stopwatch? tail = null;
        while (tail is null || tail.Elapsed < TimeSpan.FromSeconds(1))
        {
            if (tail is null && until.IsCompleted) tail = Stopwatch.StartNew();
            var response = await http.GetAsync(url);
            var body = (await response.Content.ReadAsStringAsync()).Trim();
            if (response.IsSuccessStatusCode)
            {
                ok++;
                answers[body] = answers.GetValueOrDefault(body) + 1;
            }
            else failures.Add($"{(int)response.StatusCode} {body}");
            await Task.Delay(20);
        }
        await until;
        return new Traffic(ok, failures.Count, answers, failures);
    }

    [Fact]
    public void A_pod_answers_with_its_image_tag_as_the_first_article_app_does()
    {
        Assert.Equal("Hello v1!", DataPlane.Greeting("docker.io/library/flask-app:1.0"));
        Assert.Equal("Hello v2!", DataPlane.Greeting("docker.io/library/flask-app:2.0"));
        Assert.Equal("Hello v1.0.1!", DataPlane.Greeting("registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.1"));
        Assert.Equal("Hello vlatest!", DataPlane.Greeting("nginx"));
    }

    [Fact]
    public async Task The_second_articles_settings_drop_requests_and_the_safe_ones_drop_none()
    {
        await using var cluster = await TestCluster.StartAsync(timeScale: 0.3, endpointsDelaySeconds: 1);
        var url = await UrlOfAsync(cluster, "cloud", "cloud-communal-service");
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=60s")).ExitCode);
        await cluster.WaitUntilAsync(async () => (await new HttpClient().GetAsync(url)).IsSuccessStatusCode, because: "the only pod serves");

        // As the article rolls it: replicas 1, maxUnavailable 1, no readiness probe, no preStop hook.
        Task<KubectlResult> Rollout(string tag) => RolloutAsync(cluster, tag);
        var unsafeRollout = await ProbeAsync(url, Rollout("v1.0.1"));
        Assert.True(unsafeRollout.Failed > 0, "the only pod stops before its replacement serves");
        Assert.Contains("Hello v1.0.1!", unsafeRollout.Answers.Keys);

        // The safety check's fix: a readiness probe, a preStop hook outlasting the load balancer's lag, maxUnavailable 0.
        var fix = await cluster.KubectlAsync("patch", "deployment/cloud-communal-service", "-n", "cloud", "--type=strategic", "-p", """
            {"spec":{"strategy":{"rollingUpdate":{"maxUnavailable":0,"maxSurge":1}},
             "template":{"spec":{"containers":[{"name":"cloud-communal-service",
               "readinessProbe":{"httpGet":{"path":"/","port":18080},"periodSeconds":1},
               "lifecycle":{"preStop":{"sleep":{"seconds":5}}}}]}}}}
            """);
        Assert.True(fix.ExitCode == 0, fix.Output);
        Assert.Equal(0, (await cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=90s")).ExitCode);
        // rollout status returns while the replaced pod (still without a preStop hook) terminates; let it go and the load balancer catch up.
        await cluster.WaitUntilAsync(async () => (await cluster.Client.CoreV1.ListNamespacedPodAsync("cloud")).Items.All(p => p.Metadata.DeletionTimestamp is null));
        await cluster.WaitUntilAsync(async () =>
        {
            var pods = (await cluster.Client.CoreV1.ListNamespacedPodAsync("cloud")).Items.Select(p => p.Metadata.Name).ToHashSet();
            var endpoints = await cluster.Client.CoreV1.ReadNamespacedEndpointsAsync("cloud-communal-service", "cloud");
            var serving = (endpoints.Subsets ?? []).SelectMany(s => s.Addresses ?? []).Select(a => a.TargetRef?.Name).ToHashSet();
            return serving.SetEquals(pods) && (endpoints.Subsets ?? []).All(s => s.NotReadyAddresses is null or { Count: 0 });
        }, because: "the load balancer sends traffic to the current pods only");

        var safeRollout = await ProbeAsync(url, Rollout("v1.0.2"));
        Assert.True(safeRollout.Failed == 0, string.Join("\n", safeRollout.Failures));
        Assert.Contains("Hello v1.0.2!", safeRollout.Answers.Keys);
        Assert.True(safeRollout.Ok > 100, $"{safeRollout.Ok} requests answered");
    }

    static async Task<KubectlResult> RolloutAsync(TestCluster cluster, string tag)
    {
        var set = await cluster.KubectlAsync("set", "image", "deployment/cloud-communal-service", "-n", "cloud",
            $"cloud-communal-service=registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:{tag}");
        Assert.True(set.ExitCode == 0, set.Output);
        return await cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=90s");
    }

    [Fact]
    public async Task Endpoint_slices_keep_terminating_pods_with_their_conditions()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false, timeScale: 0.5);
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "slices" } });
        await cluster.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "solo" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "solo" }, Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }] },
        }, "slices");
        // A preStop hook keeps the pod terminating long enough to be seen however busy the machine is.
        await cluster.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "solo", Labels = new Dictionary<string, string> { ["app"] = "solo" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "registry.local/solo:1.0", Lifecycle = new V1Lifecycle { PreStop = new V1LifecycleHandler { Sleep = new V1SleepAction { Seconds = 10 } } } }] },
        }, "slices");
        async Task<V1Endpoint?> EndpointAsync() =>
            (await cluster.Client.DiscoveryV1.ListNamespacedEndpointSliceAsync("slices", labelSelector: "kubernetes.io/service-name=solo")).Items
                .SingleOrDefault()?.Endpoints?.SingleOrDefault(e => e.TargetRef.Name == "solo");
        await cluster.WaitUntilAsync(async () => await EndpointAsync() is { Conditions.Ready: true }, because: "the pod is a ready endpoint");

        await cluster.Client.CoreV1.DeleteNamespacedPodAsync("solo", "slices");

        await cluster.WaitUntilAsync(async () => await EndpointAsync() is { Conditions: { Terminating: true, Ready: false, Serving: true } },
            because: "the terminating pod stays in the slice, not ready but still serving");
        var endpoints = await cluster.Client.CoreV1.ReadNamespacedEndpointsAsync("solo", "slices");
        Assert.DoesNotContain((endpoints.Subsets ?? []).SelectMany(s => s.Addresses ?? []), a => a.TargetRef.Name == "solo");
    }
}
