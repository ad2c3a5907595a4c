using System.Net;
using System.Text.Json;
using k8s;
using Dashboard.Web.Model;
using Dashboard.Web.Records;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

public sealed class AuditApiTests
{
    [Fact]
    public async Task The_audit_API_shows_a_person_only_the_namespaces_they_may_list_as_JSON_or_CSV()
    {
        await using var factory = await SecurityTests.StartAsync("Token");
        using (var scope = factory.Services.CreateScope())
        {
            var otto = SecurityTests.ClientFor(scope, SecurityTests.Person("otto", "operator-token", "operators"));
            await otto.ExecuteAsync(new Pause("default", "flask-app"));
            await otto.ExecuteAsync(new Scale("cloud", "cloud-communal-service", 2)); // refused: otto operates default only; recorded all the same
        }
        // Vera may read "default" only.
        var admin = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(factory.Services.GetRequiredService<Dashboard.Web.Cluster.ClusterConnection>().Kubeconfig!));
        await admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync("everyone-views");
        await admin.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new k8s.Models.V1RoleBinding
        {
            Metadata = new() { Name = "vera-views-default" },
            RoleRef = new() { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "viewer" },
            Subjects = [new() { Kind = "User", Name = "vera", ApiGroup = "rbac.authorization.k8s.io" }],
        }, "default");

        using var anonymous = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync("/api/v1/audit")).StatusCode);

        using var vera = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var form = await (await vera.GetAsync("/signin")).Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await vera.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["token"] = "viewer-token", ["returnUrl"] = "/" }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        var json = JsonDocument.Parse(await vera.GetStringAsync("/api/v1/audit")).RootElement;
        var entry = Assert.Single(json.EnumerateArray());
        Assert.Equal(("otto", "Pause", "default", "flask-app", "Succeeded"),
            (entry.GetProperty("person").GetString(), entry.GetProperty("action").GetString(), entry.GetProperty("namespace").GetString(), entry.GetProperty("target").GetString(), entry.GetProperty("outcome").GetString()));
        Assert.Equal("flask-app", entry.GetProperty("inputs").GetProperty("name").GetString());

        var csv = await vera.GetAsync("/api/v1/audit?format=csv");
        Assert.StartsWith("text/csv", csv.Content.Headers.ContentType!.ToString());
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,at,completedAt,person,action,context,namespace,target,inputs,outcome,message", lines[0]);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"otto\",\"Pause\"", lines[1]);

        // The cluster's admin sees both, the refused scale in cloud included.
        var all = await factory.Services.GetRequiredService<AuditTrail>().Store!.AuditAsync();
        Assert.Equal([("Scale", "cloud", "Refused"), ("Pause", "default", "Succeeded")], all.Select(a => (a.Action, a.Namespace, a.Outcome)));
    }
}
