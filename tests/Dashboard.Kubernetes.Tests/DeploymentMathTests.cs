using k8s.Models;

namespace Dashboard.Kubernetes.Tests;

public class DeploymentMathTests
{
    static V1Deployment Deployment(int replicas, string surge = "25%", string unavailable = "25%", string type = "RollingUpdate") => new()
    {
        Metadata = new V1ObjectMeta { Name = "d", Generation = 1 },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Strategy = new V1DeploymentStrategy
            {
                Type = type,
                RollingUpdate = type == "RollingUpdate" ? new V1RollingUpdateDeployment { MaxSurge = surge, MaxUnavailable = unavailable } : null,
            },
        },
    };

    static V1ReplicaSet ReplicaSet(string name, int spec, int available = 0, DateTime? created = null, string? maxReplicas = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            CreationTimestamp = created ?? DateTime.UtcNow,
            Annotations = maxReplicas is null ? null : new Dictionary<string, string> { [WellKnown.MaxReplicasAnnotation] = maxReplicas },
        },
        Spec = new V1ReplicaSetSpec { Replicas = spec },
        Status = new V1ReplicaSetStatus { Replicas = spec, AvailableReplicas = available },
    };

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(3, 1, 0)]
    [InlineData(4, 1, 1)]
    [InlineData(10, 3, 2)]
    [InlineData(5, 2, 1)]
    public void Percentages_resolve_with_surge_rounded_up_and_unavailable_rounded_down(int replicas, int surge, int unavailable)
    {
        var d = Deployment(replicas);

        Assert.Equal(surge, DeploymentMath.MaxSurge(d));
        Assert.Equal(unavailable, DeploymentMath.MaxUnavailable(d));
    }

    [Fact]
    public void Zero_surge_and_zero_unavailable_resolve_to_one_unavailable()
    {
        Assert.Equal((0, 1), DeploymentMath.ResolveFenceposts("0%", "0%", 10));
    }

    [Fact]
    public void Max_unavailable_never_exceeds_replicas_and_is_zero_for_recreate()
    {
        Assert.Equal(1, DeploymentMath.MaxUnavailable(Deployment(1, "25%", "1")));
        Assert.Equal(0, DeploymentMath.MaxUnavailable(Deployment(5, type: "Recreate")));
        Assert.Equal(0, DeploymentMath.MaxSurge(Deployment(5, type: "Recreate")));
    }

    [Fact]
    public void The_new_replica_set_grows_only_to_replicas_plus_surge_in_total()
    {
        var d = Deployment(5);
        var old = ReplicaSet("old", 5, 5);
        var fresh = ReplicaSet("new", 0);

        // 5 + surge 2 = 7 may exist, so the new set may take 2 at first.
        Assert.Equal(2, DeploymentMath.NewReplicaSetReplicas(d, [old, fresh], fresh));
        // Once 7 exist, it may not grow until old ones go.
        Assert.Equal(2, DeploymentMath.NewReplicaSetReplicas(d, [old, ReplicaSet("new", 2)], ReplicaSet("new", 2)));
    }

    [Fact]
    public void Old_replicas_scale_down_only_as_far_as_availability_allows()
    {
        var d = Deployment(5);
        var old = ReplicaSet("old", 5, 5);
        var fresh = ReplicaSet("new", 2, 0);

        // minAvailable = 5 - 1 = 4; 7 in total, 2 new ones not yet available: 7 - 4 - 2 = 1.
        Assert.Equal(1, DeploymentMath.MaxScaledDown(d, [old, fresh], fresh));
        Assert.Equal(3, DeploymentMath.MaxScaledDown(d, [old, ReplicaSet("new", 2, 2)], ReplicaSet("new", 2, 2)));
    }

    [Fact]
    public void Proportional_scaling_shares_new_replicas_by_size()
    {
        // 10 replicas mid-rollout (maxSurge 3 => max 13) scaled to 20 (max 25): each set grows by 25/13.
        var d = Deployment(20);
        var old = ReplicaSet("old", 8, 8, maxReplicas: "13");
        var fresh = ReplicaSet("new", 5, 0, maxReplicas: "13");

        var toAdd = 25 - 13;
        var forOld = DeploymentMath.Proportion(old, d, toAdd, 0, 13);
        var forNew = DeploymentMath.Proportion(fresh, d, toAdd, forOld, 13);

        Assert.Equal(7, forOld);   // round(8 * 25 / 13) - 8 = 15 - 8
        Assert.Equal(5, forNew);   // round(5 * 25 / 13) - 5 = 10 - 5, capped by what is left
    }

    [Fact]
    public void Template_hashes_use_the_safe_alphabet_and_change_with_the_collision_count()
    {
        var template = new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "x" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "x", Image = "x:1" }] },
        };

        var hash = DeploymentMath.ComputeHash(template, null);

        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]+$", hash);
        Assert.Equal(hash, DeploymentMath.ComputeHash(template, null));
        Assert.NotEqual(hash, DeploymentMath.ComputeHash(template, 1));
    }

    [Fact]
    public void Templates_equal_apart_from_the_hash_label_are_the_same_revision()
    {
        V1PodTemplateSpec Template(string? hash) => new()
        {
            Metadata = new V1ObjectMeta
            {
                Labels = hash is null
                    ? new Dictionary<string, string> { ["app"] = "x" }
                    : new Dictionary<string, string> { ["app"] = "x", [WellKnown.PodTemplateHashLabel] = hash },
            },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "x", Image = "x:1" }] },
        };

        Assert.True(DeploymentMath.EqualIgnoreHash(Template(null), Template("abc")));
        var other = Template(null);
        other.Spec.Containers[0].Image = "x:2";
        Assert.False(DeploymentMath.EqualIgnoreHash(other, Template("abc")));
    }

    [Fact]
    public void Pods_not_ready_and_unscheduled_are_deleted_before_ready_ones()
    {
        var now = DateTime.UtcNow;
        V1Pod Pod(string name, string? node, string phase, bool ready, int readyAgoSeconds = 600) => new()
        {
            Metadata = new V1ObjectMeta { Name = name, Uid = name, CreationTimestamp = now.AddMinutes(-20) },
            Spec = new V1PodSpec { NodeName = node },
            Status = new V1PodStatus
            {
                Phase = phase,
                Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False", LastTransitionTime = now.AddSeconds(-readyAgoSeconds) }],
            },
        };

        var order = PodState.DeletionOrder(
            [Pod("ready-old", "n1", "Running", true, 3600), Pod("ready-new", "n1", "Running", true, 5), Pod("unready", "n1", "Running", false), Pod("pending", null, "Pending", false)],
            now).Select(p => p.Metadata.Name).ToList();

        Assert.Equal(["pending", "unready", "ready-new", "ready-old"], order);
    }
}
