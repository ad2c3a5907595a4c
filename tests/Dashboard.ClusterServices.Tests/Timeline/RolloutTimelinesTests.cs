using Dashboard.ClusterServices.Model;
using Dashboard.ClusterServices.Timeline;

namespace Dashboard.ClusterServices.Tests;

public class RolloutTimelinesTests
{
    [Fact]
    public async Task A_rollout_is_recorded_second_by_second_from_old_pods_to_new_ones()
    {
        await using var harness = await ServiceHarness.StartAsync();
        await using var timelines = new RolloutTimelines(harness.Cache, TimeProvider.System, TimeSpan.FromMilliseconds(100));
        await timelines.StartAsync();
        Assert.Empty(timelines.For("default", "flask-app"));

        Assert.True((await harness.Operations.SetImageAsync("default", "flask-app", null, "docker.io/library/flask-app:2.0", "v2", "test")).Ok);
        await harness.Cluster.WaitUntilAsync(() => Task.FromResult(timelines.For("default", "flask-app") is [{ CompletedAt: not null, Samples.Count: > 2 }]),
            TimeSpan.FromSeconds(60), "the rollout is recorded until it completes");

        var rollout = Assert.Single(timelines.For("default", "flask-app"));
        Assert.Equal("2", rollout.Revision);
        Assert.Equal(RolloutPhase.Complete, rollout.Phase);
        Assert.True(rollout.Samples[0].OldReady > 0, "it starts with old pods ready");
        Assert.True(rollout.Samples.Any(s => s.NewReady > 0 && s.OldReady > 0), "old and new serve side by side");
        await harness.Cluster.WaitUntilAsync(() => Task.FromResult(timelines.For("default", "flask-app")[0].Samples[^1] is { NewReady: 5, OldReady: 0, Serving: 5 }), because: "it ends with the new pods only");
    }
}
