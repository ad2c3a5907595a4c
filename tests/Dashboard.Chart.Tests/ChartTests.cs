using k8s;
using k8s.Models;
using Dashboard.Testing;

namespace Dashboard.Chart.Tests;

/// <summary>The Helm chart: it lints, renders least-privilege, safe-by-default manifests, and applies to a cluster.</summary>
public class ChartTests
{
    static async Task<List<object>> RenderAsync(params string[] extra)
    {
        var result = await Helm.RunAsync(["template", "rd", Helm.ChartPath, "--namespace", "rollout", .. extra]);
        Assert.True(result.ExitCode == 0, result.Output);
        return KubernetesYaml.LoadAllFromString(result.Stdout);
    }

    static IEnumerable<V1PolicyRule> Rules(IEnumerable<object> docs) =>
        docs.OfType<V1ClusterRole>().SelectMany(r => r.Rules).Concat(docs.OfType<V1Role>().SelectMany(r => r.Rules));

    [Theory]
    [InlineData(null)]
    [InlineData("oidc.yaml")]
    [InlineData("namespaced.yaml")]
    [InlineData("postgres.yaml")]
    public async Task The_chart_lints_with_each_values_file(string? values)
    {
        var result = await Helm.RunAsync(values is null ? ["lint", "--strict", Helm.ChartPath] : ["lint", "--strict", Helm.ChartPath, "-f", Helm.Values(values)]);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Theory]
    [InlineData("none.yaml", "auth.mode")]
    [InlineData("oidc-without-authority.yaml", "authority")]
    [InlineData("oidc-system-group.yaml", "groups")]
    [InlineData("replicas-on-sqlite.yaml", "records.provider=Postgres")]
    [InlineData("postgres-without-secret.yaml", "records.postgres.existingSecret")]
    public async Task Values_that_would_expose_an_unprotected_dashboard_are_refused(string values, string field)
    {
        var result = await Helm.RunAsync("template", "rd", Helm.ChartPath, "-f", Helm.Values(values));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(field, result.Output);
    }

    [Fact]
    public async Task The_roles_grant_what_the_dashboard_needs_and_nothing_more()
    {
        foreach (var values in new[] { Array.Empty<string>(), ["-f", Helm.Values("oidc.yaml")], ["-f", Helm.Values("namespaced.yaml")] })
        {
            var docs = await RenderAsync(values);
            var rules = Rules(docs).ToList();
            Assert.NotEmpty(rules);
            Assert.DoesNotContain(rules, r => r.Verbs.Contains("*") || r.Resources.Contains("*") || (r.ApiGroups?.Contains("*") ?? false));
            Assert.DoesNotContain(rules, r => r.Resources.Contains("pods/exec") || r.Resources.Contains("pods/attach"));
            // People act as themselves in Token and Oidc modes: the service account changes nothing, creates nothing (but its one Lease, by name).
            Assert.DoesNotContain(rules, r => r.Verbs.Intersect(["create", "patch", "delete", "deletecollection", "escalate", "bind"]).Any() && !r.Resources.SequenceEqual(["leases"]));
            Assert.DoesNotContain(rules, r => r.Verbs.Contains("update") && !r.Resources.SequenceEqual(["secrets"]) && !r.Resources.SequenceEqual(["leases"]));
            var lease = Assert.Single(rules, r => r.Resources.Contains("leases"));
            Assert.Equal(["rd-rollout-dashboard-leader"], lease.ResourceNames);
            Assert.Equal(["get", "create", "update"], lease.Verbs);
            Assert.Contains(docs.OfType<V1Lease>(), l => l.Metadata.Name == "rd-rollout-dashboard-leader");
            Assert.DoesNotContain(rules, r => r.Resources.Contains("deployments/scale"));
            // Secrets: the data-protection key ring alone, by name, get and update.
            var secrets = Assert.Single(rules, r => r.Resources.Contains("secrets"));
            Assert.Equal(["rd-rollout-dashboard-dataprotection"], secrets.ResourceNames);
            Assert.Equal(["get", "update"], secrets.Verbs);
            Assert.Contains(docs.OfType<V1Secret>(), s => s.Metadata.Name == "rd-rollout-dashboard-dataprotection" && s.Data is null && s.Metadata.Annotations["helm.sh/resource-policy"] == "keep");
            foreach (var (group, resource) in new[] { ("", "pods"), ("apps", "deployments"), ("apps", "replicasets"), ("", "events") })
                Assert.Contains(rules, r => r.ApiGroups!.Contains(group) && r.Resources.Contains(resource) && r.Verbs.Contains("watch"));
        }

        var token = Rules(await RenderAsync()).ToList();
        Assert.DoesNotContain(token, r => r.Verbs.Contains("impersonate"));
        var oidc = Rules(await RenderAsync("-f", Helm.Values("oidc.yaml"))).ToList();
        var groups = Assert.Single(oidc, r => r.Verbs.Contains("impersonate") && r.Resources.Contains("groups"));
        Assert.Equal(["platform-operators", "sre"], groups.ResourceNames);
    }

    [Fact]
    public async Task Behind_its_ingress_the_dashboard_trusts_forwarded_headers_and_keys_live_in_the_chart_secret()
    {
        var plain = (await RenderAsync()).OfType<V1Deployment>().Single().Spec.Template.Spec.Containers.Single().Env;
        Assert.DoesNotContain(plain, e => e.Name == "ASPNETCORE_FORWARDEDHEADERS_ENABLED");
        var env = (await RenderAsync("-f", Helm.Values("oidc.yaml"))).OfType<V1Deployment>().Single().Spec.Template.Spec.Containers.Single().Env;
        Assert.Contains(env, e => e.Name == "ASPNETCORE_FORWARDEDHEADERS_ENABLED" && e.Value == "true");
        Assert.Contains(env, e => e.Name == "DataProtection__Secret" && e.Value == "rd-rollout-dashboard-dataprotection");
        Assert.Contains(env, e => e.Name == "DataProtection__Namespace" && e.Value == "rollout");
    }

    [Fact]
    public async Task The_guard_gets_patch_on_deployments_and_create_on_events_only_when_switched_on()
    {
        Assert.DoesNotContain(Rules(await RenderAsync()), r => r.Verbs.Contains("patch") || r.Resources.Contains("events") && r.Verbs.Contains("create"));

        var rules = Rules(await RenderAsync("--set", "guard.enabled=true")).ToList();
        var patch = Assert.Single(rules, r => r.Verbs.Contains("patch"));
        Assert.Equal(["apps"], patch.ApiGroups);
        Assert.Equal(["deployments"], patch.Resources);
        Assert.Equal(["patch"], patch.Verbs);
        var events = Assert.Single(rules, r => r.Verbs.Contains("create") && r.Resources.Contains("events"));
        Assert.Equal("[\"\"] [events] [create]", $"[\"{string.Join(",", events.ApiGroups)}\"] [{string.Join(",", events.Resources)}] [{string.Join(",", events.Verbs)}]");
        var env = (await RenderAsync()).OfType<V1Deployment>().Single().Spec.Template.Spec.Containers.Single().Env;
        Assert.Contains(env, e => e.Name == "Leader__LeaseName" && e.Value == "rd-rollout-dashboard-leader");
        Assert.Contains(env, e => e.Name == "Leader__Namespace" && e.Value == "rollout");
    }

    [Fact]
    public async Task Records_stay_in_the_pod_by_default_and_come_from_a_Secret_on_PostgreSQL()
    {
        var sqlite = (await RenderAsync()).OfType<V1Deployment>().Single().Spec.Template.Spec.Containers.Single().Env;
        Assert.Contains(sqlite, e => e.Name == "Records__Provider" && e.Value == "Sqlite");
        Assert.Contains(sqlite, e => e.Name == "Records__RetentionDays" && e.Value == "90");
        Assert.DoesNotContain(sqlite, e => e.Name == "Records__ConnectionString");

        var deployment = (await RenderAsync("-f", Helm.Values("postgres.yaml"))).OfType<V1Deployment>().Single();
        var env = deployment.Spec.Template.Spec.Containers.Single().Env;
        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Contains(env, e => e.Name == "Records__Provider" && e.Value == "Postgres");
        Assert.Contains(env, e => e.Name == "Records__RetentionDays" && e.Value == "30");
        var connection = Assert.Single(env, e => e.Name == "Records__ConnectionString");
        Assert.Null(connection.Value);
        Assert.Equal(("rollout-records", "connection"), (connection.ValueFrom.SecretKeyRef.Name, connection.ValueFrom.SecretKeyRef.Key));
        // The dashboard reads the connection string from its environment: the service account gains no right to secrets for it.
        Assert.Single(Rules(await RenderAsync("-f", Helm.Values("postgres.yaml"))), r => r.Resources.Contains("secrets"));
    }

    [Fact]
    public async Task The_rendered_manifests_apply_to_a_cluster_with_kubectl()
    {
        await using var cluster = await TestCluster.StartAsync(seed: false);
        var rendered = await Helm.RunAsync("template", "rd", Helm.ChartPath, "--namespace", "rollout", "-f", Helm.Values("oidc.yaml"));
        Assert.True(rendered.ExitCode == 0, rendered.Output);
        var file = Path.Combine(Path.GetTempPath(), $"chart-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: rollout}\n---\n" + rendered.Stdout);

        var apply = await cluster.KubectlAsync("apply", "-n", "rollout", "-f", file);

        Assert.True(apply.ExitCode == 0, apply.Output);
        Assert.Contains("deployment.apps/rd-rollout-dashboard created", apply.Stdout);
        Assert.Contains("clusterrole.rbac.authorization.k8s.io/rd-rollout-dashboard-impersonate created", apply.Stdout);
        var deployment = await cluster.Client.AppsV1.ReadNamespacedDeploymentAsync("rd-rollout-dashboard", "rollout");
        Assert.Equal("rd-rollout-dashboard", deployment.Spec.Template.Spec.ServiceAccountName);
    }
}
