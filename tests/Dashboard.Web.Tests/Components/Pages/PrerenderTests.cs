using System.Net.Http.Json;
using Dashboard.Web.Cluster;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Dashboard.Web.Tests;

/// <summary>The first HTML of a visit, before the browser's circuit starts: the data, marked as not live yet.</summary>
public sealed class PrerenderTests : IAsyncLifetime
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N"));
    WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        _factory = TestApp.OnEmbeddedCluster(_dir, timeScale: 0.2);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    /// <summary>The page as first sent, once the shared caches hold what it shows (the first visit fills them).</summary>
    async Task<string> FirstHtmlAsync(string path, string expected)
    {
        using var http = _factory.CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var html = await http.GetStringAsync(path);
            if (html.Contains(expected, StringComparison.Ordinal) || DateTime.UtcNow > deadline) return html;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task The_overview_arrives_with_its_deployments_inert_and_saying_it_is_connecting()
    {
        var html = await FirstHtmlAsync("/", "data-deployment=\"default/flask-app\"");

        Assert.Contains("data-deployment=\"default/flask-app\"", html);
        Assert.Contains("data-connection=\"Starting\"", html);
        Assert.Contains("Connecting to the dashboard", html);
        Assert.Matches("class=\"page-body\"[^>]*inert", html);
    }

    [Fact]
    public async Task A_deployment_page_arrives_with_its_pods_and_buttons_that_cannot_be_clicked_yet()
    {
        var html = await FirstHtmlAsync("/namespaces/default/deployments/flask-app", "data-pod=\"flask-app-");

        Assert.Contains("data-pod=\"flask-app-", html);
        Assert.Contains("data-action=\"set-image\"", html);
        Assert.Matches("class=\"page-body\"[^>]*inert", html);
    }

    [Fact]
    public async Task A_page_whose_cluster_is_slow_is_sent_at_once_without_its_data()
    {
        using var http = _factory.CreateClient();
        (await http.GetAsync("/healthz")).EnsureSuccessStatusCode();
        var cluster = _factory.Services.GetRequiredService<ClusterConnection>().Embedded!;
        using var api = new HttpClient { BaseAddress = cluster.Server.ApiUri };
        // Every API request takes 5 s: a namespace nobody has opened must be listed first.
        (await api.PostAsJsonAsync("/_embedded/faults", new { latencyMs = 5000, forSeconds = 20 })).EnsureSuccessStatusCode();
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var html = await http.GetStringAsync("/namespaces/never-opened/deployments/web");

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the first HTML waited {clock.Elapsed.TotalSeconds:0.0} s for the cluster");
        Assert.Contains("Connecting to the dashboard", html);
        Assert.DoesNotContain("data-pod=", html);
        (await api.DeleteAsync("/_embedded/faults")).EnsureSuccessStatusCode();
    }
}
