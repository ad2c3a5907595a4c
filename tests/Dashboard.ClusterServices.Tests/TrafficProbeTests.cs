using k8s;
using Dashboard.ClusterServices.Operations;
using Dashboard.ClusterServices.Probing;
using Dashboard.ClusterServices.Resilience;

namespace Dashboard.ClusterServices.Tests;

/// <summary>The traffic probe against the embedded cluster's data plane.</summary>
public class TrafficProbeTests
{
    [Fact]
    public async Task The_probe_reports_which_version_answered_and_the_requests_a_rollout_dropped()
    {
        await using var harness = await ServiceHarness.StartAsync(endpointsDelaySeconds: 1);
        await using var probes = new TrafficProbes(harness.Clients, new KubernetesResilience(), harness.Cache, TimeProvider.System);
        Assert.Equal(0, (await harness.Cluster.KubectlAsync("rollout", "status", "deployment/cloud-communal-service", "-n", "cloud", "--timeout=60s")).ExitCode);
        await harness.Cluster.WaitUntilAsync(async () => (await harness.Cluster.Client.CoreV1.ReadNamespacedServiceAsync("cloud-communal-service", "cloud")).Metadata.Annotations?.ContainsKey(TrafficProbes.DataPlaneAnnotation) == true);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the only pod's app warms up and the load balancer sees it

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

    [Fact]
    public async Task A_deployment_no_service_selects_has_nothing_to_probe()
    {
        await using var harness = await ServiceHarness.StartAsync();
        await using var probes = new TrafficProbes(harness.Clients, new KubernetesResilience(), harness.Cache, TimeProvider.System);
        Assert.Equal(0, (await harness.Cluster.KubectlAsync("delete", "service", "flask-service")).ExitCode);

        var start = await probes.StartAsync("default", "flask-app");

        Assert.Equal(OperationOutcome.Refused, start.Outcome);
        Assert.Contains("No Service selects the pods of flask-app", start.Message);
        Assert.Equal(OperationOutcome.NotFound, (await probes.StartAsync("default", "nope")).Outcome);
        Assert.Equal(OperationOutcome.Invalid, (await probes.StartAsync("default", "No Such/Name")).Outcome);
    }
}
