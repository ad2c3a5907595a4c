using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dashboard.Web.Tests;

public static class TestApp
{
    /// <summary>The app on a private embedded cluster at a free port, its kubeconfig under <paramref name="dir"/>.</summary>
    public static WebApplicationFactory<Program> OnEmbeddedCluster(string dir, double timeScale = 1.0, IDictionary<string, string>? settings = null) => new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
    {
        b.UseSetting("Cluster:Mode", "Embedded");
        // A test that serves over real sockets must not take (or collide on) the dashboard's own port.
        b.UseSetting("Urls", "http://127.0.0.1:0");
        b.UseSetting("EmbeddedCluster:ApiUrl", "http://127.0.0.1:0");
        b.UseSetting("EmbeddedCluster:KubeconfigPath", Path.Combine(dir, "kubeconfig"));
        // Each app its own records file: test processes run side by side.
        b.UseSetting("Dashboard:DataPath", Path.Combine(dir, "data"));
        b.UseSetting("EmbeddedCluster:TimeScale", timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) b.UseSetting(key, value);
    });

    /// <summary>The app on an embedded cluster of <paramref name="pods"/> generated pods in namespace <c>bench</c> (and nothing else).</summary>
    public static WebApplicationFactory<Program> OnGeneratedCluster(int pods) => OnEmbeddedCluster(
        Path.Combine(Path.GetTempPath(), "web-tests", Guid.NewGuid().ToString("N")), timeScale: 0.02, new Dictionary<string, string>
        {
            ["EmbeddedCluster:Seed"] = "false",
            ["EmbeddedCluster:DataPlane"] = "false",
            ["EmbeddedCluster:GeneratedPods"] = pods.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["EmbeddedCluster:WatchHistory"] = "100000",
        });

    /// <summary>A SignalR client of <c>/hubs/pods</c> inside the test server (long polling: the test server has no sockets).</summary>
    public static async Task<HubConnection> ConnectHubAsync(WebApplicationFactory<Program> factory, string? cookie = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(factory.Server.BaseAddress, "hubs/pods"), o =>
            {
                o.Transports = HttpTransportType.LongPolling;
                o.HttpMessageHandlerFactory = _ => factory.Server.CreateHandler();
                if (cookie is not null) o.Headers["Cookie"] = cookie;
            })
            .Build();
        await connection.StartAsync();
        return connection;
    }
}
