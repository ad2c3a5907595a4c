using System.Net;
using System.Text.Json;
using k8s;
using Dashboard.Web.Model;
using Dashboard.Records;
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
        await SecurityTests.VeraMaySeeDefaultOnlyAsync(factory);

        using var anonymous = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Redirect, (await anonymous.GetAsync("/api/v1/audit")).StatusCode);

        using var vera = await SignInAsync(factory, "viewer-token");

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

    [Fact]
    public async Task The_rollouts_API_filters_as_the_page_does_and_shows_only_visible_namespaces_as_JSON_or_CSV()
    {
        await using var factory = await SecurityTests.StartAsync("Token");
        var store = factory.Services.GetRequiredService<RecordsDatabase>().Store!;
        var at = DateTime.UtcNow.AddMinutes(-30);
        foreach (var (ns, name, revision, outcome) in new[] { ("default", "web-shop", 2L, RolloutOutcome.Complete), ("default", "web-shop", 3L, RolloutOutcome.RolledBack), ("cloud", "cloud-communal-service", 2L, RolloutOutcome.Failed) })
            await store.UpsertRolloutAsync(new RolloutRecord
            {
                Context = "embedded", Namespace = ns, Kind = "Deployment", Workload = name, WorkloadUid = ns + name, Revision = revision, ToImages = $"{name}=shop:{revision}",
                StartedBy = "outside the dashboard", StartedAt = at.AddMinutes(revision), EndedAt = at.AddMinutes(revision).AddSeconds(30), Outcome = outcome,
            });
        await SecurityTests.VeraMaySeeDefaultOnlyAsync(factory);
        using var vera = await SignInAsync(factory, "viewer-token");

        // The seed's own first rollouts are recorded too; the cloud namespace's are not Vera's to see.
        Assert.All(JsonDocument.Parse(await vera.GetStringAsync("/api/v1/rollouts")).RootElement.EnumerateArray(), r => Assert.Equal("default", r.GetProperty("namespace").GetString()));
        var all = await vera.GetAsync("/api/v1/rollouts?workload=web-shop");
        var json = JsonDocument.Parse(await all.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal([3L, 2L], json.EnumerateArray().Select(r => r.GetProperty("revision").GetInt64()));
        Assert.Equal(30.0, json[0].GetProperty("durationSeconds").GetDouble());
        Assert.Equal("2", all.Headers.GetValues("X-Total-Count").Single());

        var rolledBack = JsonDocument.Parse(await vera.GetStringAsync("/api/v1/rollouts?outcome=RolledBack&since=24h&workload=web-shop")).RootElement;
        Assert.Equal("RolledBack", Assert.Single(rolledBack.EnumerateArray()).GetProperty("outcome").GetString());
        var bad = await vera.GetAsync("/api/v1/rollouts?outcome=Exploded");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("outcome \"Exploded\" is not one of", JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString());
        Assert.Empty(JsonDocument.Parse(await vera.GetStringAsync("/api/v1/rollouts?namespace=cloud")).RootElement.EnumerateArray());

        var csv = (await vera.GetStringAsync("/api/v1/rollouts?format=csv&workload=web-shop")).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,context,namespace,kind,workload,revision,fromRevision,fromImages,toImages,", csv[0]);
        Assert.Equal(3, csv.Length);
        Assert.Contains("\"default\",\"Deployment\",\"web-shop\",\"3\"", csv[1]);
    }

    static async Task<HttpClient> SignInAsync(WebApplicationFactory<Program> factory, string bearer)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var form = await (await client.GetAsync("/signin")).Content.ReadAsStringAsync();
        var token = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await client.PostAsync("/signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["token"] = bearer, ["returnUrl"] = "/" }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return client;
    }
}
