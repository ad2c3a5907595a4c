using Dashboard.ClusterServices.Safety;
using Dashboard.EmbeddedCluster;
using k8s;
using k8s.Models;

namespace Dashboard.ClusterServices.Tests;

/// <summary>Each rule of the rollout safety check, one settings change at a time from a Deployment that has none.</summary>
public class SafetyCheckTests
{
    const string SafeYaml = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          replicas: 3
          minReadySeconds: 10
          progressDeadlineSeconds: 120
          selector: {matchLabels: {app: web}}
          strategy:
            type: RollingUpdate
            rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
          template:
            metadata: {labels: {app: web}}
            spec:
              terminationGracePeriodSeconds: 30
              containers:
              - name: web
                image: registry.local/web:1.2.3
                imagePullPolicy: IfNotPresent
                ports: [{containerPort: 8080}]
                readinessProbe: {httpGet: {path: /, port: 8080}}
                lifecycle: {preStop: {sleep: {seconds: 5}}}
        """;

    static readonly V1PodDisruptionBudget Pdb = new() { Spec = new V1PodDisruptionBudgetSpec { Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } } } };

    static V1Deployment Safe() => KubernetesYaml.Deserialize<V1Deployment>(SafeYaml);

    public static TheoryData<string, Action<V1Deployment>, string> Rules => new()
    {
        { "one replica, maxUnavailable 1 (the second article)", d => { d.Spec.Replicas = 1; d.Spec.Strategy.RollingUpdate.MaxUnavailable = 1; }, "all-pods-unavailable" },
        { "maxUnavailable 100%", d => d.Spec.Strategy.RollingUpdate.MaxUnavailable = "100%", "all-pods-unavailable" },
        { "Recreate", d => { d.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" }; }, "recreate" },
        { "no readinessProbe", d => d.Spec.Template.Spec.Containers[0].ReadinessProbe = null, "no-readiness-probe:web" },
        { "no preStop hook", d => d.Spec.Template.Spec.Containers[0].Lifecycle = null, "no-prestop:web" },
        { "grace period shorter than preStop and shutdown", d => d.Spec.Template.Spec.TerminationGracePeriodSeconds = 6, "short-grace-period" },
        { "latest tag", d => d.Spec.Template.Spec.Containers[0].Image = "registry.local/web:latest", "mutable-tag:web" },
        { "no tag", d => d.Spec.Template.Spec.Containers[0].Image = "registry.local/web", "mutable-tag:web" },
        { "a tag pulled again on every start", d => d.Spec.Template.Spec.Containers[0].ImagePullPolicy = "Always", "pull-always:web" },
        { "minReadySeconds 0", d => d.Spec.MinReadySeconds = 0, "min-ready-zero" },
        { "default progress deadline", d => d.Spec.ProgressDeadlineSeconds = null, "default-progress-deadline" },
    };

    [Fact]
    public void A_deployment_with_every_safeguard_has_no_risks()
    {
        Assert.Empty(SafetyCheck.Evaluate(Safe(), [Pdb], servesTraffic: true));
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void Each_rule_flags_its_setting_with_why_and_a_fix(string setting, Action<V1Deployment> change, string expected)
    {
        var d = Safe();
        change(d);

        var risks = SafetyCheck.Evaluate(d, [Pdb], servesTraffic: true);

        var risk = Assert.Single(risks);
        Assert.True(risk.Id == expected, $"{setting}: got {risk.Id}");
        Assert.False(string.IsNullOrWhiteSpace(risk.Why));
        // The fix is YAML that parses.
        Assert.NotNull(new YamlDotNet.Serialization.Deserializer().Deserialize<object>(risk.FixYaml.Replace("<digest of", "digest-of").Replace(">", "")));
    }

    [Fact]
    public void No_pod_disruption_budget_is_a_risk_and_the_fix_selects_the_pods()
    {
        var risk = Assert.Single(SafetyCheck.Evaluate(Safe(), [], servesTraffic: true));

        Assert.Equal("no-pdb", risk.Id);
        Assert.Contains("app: web", risk.FixYaml);
        Assert.Contains("kind: PodDisruptionBudget", risk.FixYaml);
    }

    [Fact]
    public void Serving_rules_apply_only_to_pods_behind_a_service()
    {
        var d = Safe();
        d.Spec.Template.Spec.Containers[0].Lifecycle = null;
        d.Spec.MinReadySeconds = 0;

        Assert.Empty(SafetyCheck.Evaluate(d, [Pdb], servesTraffic: false));
    }

    [Fact]
    public void The_second_articles_deployment_is_flagged_for_what_makes_its_rollout_noticeable()
    {
        var cloud = KubernetesYaml.LoadAllFromString(SeedWorkloads.CloudCommunalYaml).OfType<V1Deployment>().Single();

        var ids = SafetyCheck.Evaluate(cloud, [], servesTraffic: true).Select(r => r.Id).ToList();

        Assert.Equal(
            ["all-pods-unavailable", "no-readiness-probe:cloud-communal-service", "no-prestop:cloud-communal-service", "pull-always:cloud-communal-service", "no-pdb", "default-progress-deadline"],
            ids);
    }
}
