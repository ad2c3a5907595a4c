using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Resilience;
using Dashboard.Kubernetes;

namespace Dashboard.ClusterServices.Tests;

/// <summary>The traffic probe against the embedded cluster's data plane.</summary>
public class TrafficProbeTests
{
    [Fact]
    public async Task The_probe_reports_which_version_answered_and_the_requests_a_rollout_dropped()
    {
        await using var harness = await ServiceHarness.StartAsync(endpointsDelaySeconds: 1);
        await using var probes = new TrafficProbes(harness.Clients, new KubernetesResilience(), harness.Cache, TimeProvider.System, DataPlaneOf(harness));
        Assert.Equal(0, (await harness.Cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=60s")).ExitCode);
        await harness.Cluster.WaitUntilAsync(async () => (await harness.Cluster.Client.CoreV1.ReadNamespacedServiceAsync("cloud-communal-service", "cloud")).Metadata.Annotations?.ContainsKey(WellKnown.DataPlaneUrlAnnotation) == true);
        var url = (await harness.Cluster.Client.CoreV1.ReadNamespacedServiceAsync("cloud-communal-service", "cloud")).Metadata.Annotations[WellKnown.DataPlaneUrlAnnotation];
        using var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await harness.Cluster.WaitUntilAsync(async () => (await direct.GetAsync(url)).IsSuccessStatusCode, because: "the only pod's app warmed up and the load balancer sees it");

        var start = await probes.StartAsync("cloud", "cloud-communal-service", ratePerSecond: 20);
        Assert.True(start.Outcome == OperationOutcome.Succeeded, start.Message);
        var again = await probes.StartAsync("cloud", "cloud-communal-service");
        Assert.Equal(OperationOutcome.Skipped, again.Outcome);

        await harness.Cluster.WaitUntilAsync(() => Task.FromResult(probes.Find("cloud", "cloud-communal-service")!.Ok > 20), because: "requests are answered");
        Assert.Contains("Hello v1!", probes.Find("cloud", "cloud-communal-service")!.Seconds.SelectMany(s => s.Answers.Keys));

        // The article's rollout: replicas 1 with maxUnavailable 1.
        Assert.Equal(OperationOutcome.Succeeded, (await harness.Operations.SetImageAsync("cloud", "cloud-communal-service", null, "registry.cn-shanghai.aliyuncs.com/jbk/cloud-communal:v1.0.1", "v1.0.1", "test")).Outcome);
        Assert.Equal(0, (await harness.Cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=60s")).ExitCode);
        await harness.Cluster.WaitUntilAsync(() => Task.FromResult(probes.Find("cloud", "cloud-communal-service")!.Seconds.Any(s => s.Answers.ContainsKey("Hello v1.0.1!"))), because: "the new version answers");

        var stopped = await probes.StopAsync("cloud", "cloud-communal-service");
        Assert.Equal(OperationOutcome.Succeeded, stopped.Outcome);
        var probe = probes.Find("cloud", "cloud-communal-service")!;
        Assert.False(probe.Running);
        var verdict = Assert.Single(probe.Verdicts);
        Assert.Equal("2", verdict.Revision);
        Assert.True(verdict.Failed > 0, verdict.Sentence);
        Assert.Contains("failed requests", verdict.Sentence);
        Assert.NotEmpty(probe.RecentFailures);
    }

    /// <summary>The embedded cluster's data plane as the dashboard knows it when it runs that cluster itself.</summary>
    static ProbeTargets DataPlaneOf(ServiceHarness harness) => ProbeTargets.LocalDataPlane(key => harness.Cluster.Host.DataPlane?.Urls.GetValueOrDefault(key));

    [Fact]
    public async Task A_service_annotation_cannot_point_the_probe_at_an_internal_address_nor_put_its_answers_on_screen()
    {
        // An "internal" service on loopback: its root redirects to a secret.
        await using var internalApp = await SecretServer.StartAsync();
        await using var harness = await ServiceHarness.StartAsync();
        await using var probes = new TrafficProbes(harness.Clients, new KubernetesResilience(), harness.Cache, TimeProvider.System, DataPlaneOf(harness));
        // Whoever may edit a Service (not the dashboard's operator) points its published address at the internal service.
        var service = await harness.Cluster.Client.CoreV1.ReadNamespacedServiceAsync("flask-service", "default");
        await harness.Cluster.WaitUntilAsync(async () => (await harness.Cluster.Client.CoreV1.ReadNamespacedServiceAsync("flask-service", "default")).Metadata.Annotations?.ContainsKey("rollout-dashboard.io/data-plane-url") == true);
        var patch = new k8s.Models.V1Patch("""{"metadata":{"annotations":{"rollout-dashboard.io/data-plane-url":"URL"}}}""".Replace("URL", internalApp.Url), k8s.Models.V1Patch.PatchType.MergePatch);
        await harness.Cluster.Client.CoreV1.PatchNamespacedServiceAsync(patch, "flask-service", "default");

        var start = await probes.StartAsync("default", "flask-app");
        Assert.True(start.Ok, start.Message);
        await harness.Cluster.WaitUntilAsync(() => Task.FromResult(probes.Find("default", "flask-app")!.Ok + probes.Find("default", "flask-app")!.Failed > 10), because: "requests are sent");
        await probes.StopAsync("default", "flask-app");

        var probe = probes.Find("default", "flask-app")!;
        Assert.Equal(0, internalApp.Requests);
        Assert.NotEqual(internalApp.Url, probe.Url);
        var shown = string.Join("\n", probe.Seconds.SelectMany(s => s.Answers.Keys).Concat(probe.RecentFailures.Select(f => f.Message)));
        Assert.DoesNotContain("TOP-SECRET", shown);
    }

    [Fact]
    public void A_probe_follows_no_redirect_and_shows_only_status_latency_and_the_first_line_of_a_success()
    {
        Assert.Equal("Hello v2!", TrafficProbe.VersionLine("Hello v2!\nSECRET=abc\n"));
        Assert.Equal("Hello v2!", TrafficProbe.VersionLine("  Hello v2!  "));
        Assert.Equal(64, TrafficProbe.VersionLine(new string('a', 500)).Length);
        Assert.Equal("a?b", TrafficProbe.VersionLine("a\u001bb"));
        Assert.Equal("302 Found", TrafficProbe.FailureLine(System.Net.HttpStatusCode.Redirect, "Found"));
    }

    [Fact]
    public async Task A_redirect_is_a_failed_request_whose_target_is_never_asked()
    {
        await using var internalApp = await SecretServer.StartAsync();
        var feed = new StaticDeployments();
        await using var probe = new TrafficProbe("default", "web", "web", internalApp.Url, 20, feed, TimeProvider.System);
        probe.Start();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (probe.Snapshot().Failed + probe.Snapshot().Ok < 5 && DateTime.UtcNow < deadline) await Task.Delay(100);
        await probe.DisposeAsync();

        var snapshot = probe.Snapshot();
        Assert.Equal(0, snapshot.Ok);
        Assert.True(snapshot.Failed >= 5);
        Assert.All(snapshot.RecentFailures, f => Assert.Equal("302 Found", f.Message));
        Assert.Equal(0, internalApp.SecretReads);
    }

    [Fact]
    public async Task A_deployment_no_service_selects_has_nothing_to_probe()
    {
        await using var harness = await ServiceHarness.StartAsync();
        await using var probes = new TrafficProbes(harness.Clients, new KubernetesResilience(), harness.Cache, TimeProvider.System, DataPlaneOf(harness));
        Assert.Equal(0, (await harness.Cluster.KubectlAsync("delete", "service", "flask-service")).ExitCode);

        var start = await probes.StartAsync("default", "flask-app");

        Assert.Equal(OperationOutcome.Refused, start.Outcome);
        Assert.Contains("No Service selects the pods of flask-app", start.Message);
        Assert.Equal(OperationOutcome.NotFound, (await probes.StartAsync("default", "nope")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await probes.StartAsync("default", "No Such/Name")).Outcome);
    }
}

/// <summary>An internal HTTP service on loopback whose root redirects to a page holding a secret.</summary>
sealed class SecretServer : IAsyncDisposable
{
    readonly Microsoft.AspNetCore.Builder.WebApplication _app;
    int _requests, _secretReads;

    SecretServer(Microsoft.AspNetCore.Builder.WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    public int Requests => _requests;
    public int SecretReads => _secretReads;

    public static async Task<SecretServer> StartAsync()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Configuration.Sources.Clear();
        Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder.Configuration);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new SecretServer(app);
        app.Run(async context =>
        {
            Interlocked.Increment(ref server._requests);
            if (context.Request.Path == "/secret")
            {
                Interlocked.Increment(ref server._secretReads);
                await context.Response.WriteAsync("TOP-SECRET database password");
                return;
            }
            context.Response.Redirect("/secret");
        });
        await app.StartAsync();
        server.Url = app.Urls.First() + "/";
        return server;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>A deployment feed with nothing in it and nothing to come.</summary>
sealed class StaticDeployments : Dashboard.ClusterServices.Caching.IViewFeed<Dashboard.ClusterServices.Model.DeploymentView>
{
    public IReadOnlyList<Dashboard.ClusterServices.Model.DeploymentView> Snapshot => [];
    public async ValueTask<Dashboard.ClusterServices.Caching.CacheUpdate<Dashboard.ClusterServices.Model.DeploymentView>> ReadAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new OperationCanceledException();
    }
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
