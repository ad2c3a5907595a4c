using Dashboard.EmbeddedCluster.Tests;
using k8s;
using k8s.Models;

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
    public async Task The_chart_lints_with_each_values_file(string? values)
    {
        var result = await Helm.RunAsync(values is null ? ["lint", "--strict", Helm.ChartPath] : ["lint", "--strict", Helm.ChartPath, "-f", Helm.Values(values)]);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Theory]
    [InlineData("none.yaml", "auth.mode")]
    [InlineData("oidc-without-authority.yaml", "authority")]
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
            var rules = Rules(await RenderAsync(values)).ToList();
            Assert.NotEmpty(rules);
            Assert.DoesNotContain(rules, r => r.Verbs.Contains("*") || r.Resources.Contains("*") || (r.ApiGroups?.Contains("*") ?? false));
            Assert.DoesNotContain(rules, r => r.Resources.Contains("secrets") || r.Resources.Contains("pods/exec") || r.Resources.Contains("pods/attach"));
            Assert.DoesNotContain(rules, r => r.Verbs.Contains("delete") || r.Verbs.Contains("create") && !r.Resources.SequenceEqual(["events"]));
            Assert.Contains(rules, r => r.ApiGroups!.Contains("apps") && r.Resources.Contains("deployments") && r.Verbs.Contains("patch"));
            Assert.Contains(rules, r => r.Resources.Contains("deployments/scale"));
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
    public async Task The_pod_runs_restricted_with_probes_and_the_ingress_keeps_websockets_sticky()
    {
        var docs = await RenderAsync("-f", Helm.Values("oidc.yaml"));
        var deployment = docs.OfType<V1Deployment>().Single();
        var pod = deployment.Spec.Template.Spec;
        var container = pod.Containers.Single();

        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem);
        Assert.Equal(["ALL"], container.SecurityContext.Capabilities.Drop);
        Assert.Equal("/healthz", container.ReadinessProbe.HttpGet.Path);
        Assert.NotNull(container.LivenessProbe);
        Assert.Equal(8080, container.Ports.Single().ContainerPort);
        Assert.Contains(container.Env, e => e.Name == "Auth__Mode" && e.Value == "Oidc");
        Assert.Contains(container.Env, e => e.Name == "Cluster__Mode" && e.Value == "InCluster");
        Assert.Contains(container.Env, e => e.Name == "Auth__Oidc__ClientSecret" && e.ValueFrom.SecretKeyRef.Name == "rollout-dashboard-oidc");
        Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);

        var ingress = docs.OfType<V1Ingress>().Single();
        Assert.Equal("cookie", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/affinity"]);
        Assert.Equal("3600", ingress.Metadata.Annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]);
        Assert.Single(docs.OfType<V1PodDisruptionBudget>());
        Assert.Contains(docs.OfType<V1ServiceAccount>(), sa => sa.Metadata.Name == "rd-rollout-dashboard-kiosk");
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
