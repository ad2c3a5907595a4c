using System.Diagnostics;
using Dashboard.EmbeddedCluster;
using Dashboard.EmbeddedCluster.Hosting;
using k8s;

namespace Dashboard.Testing;

/// <summary>A private embedded cluster on a free loopback port, with a kubeconfig and a KubernetesClient for it.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    readonly string _dir;

    TestCluster(EmbeddedClusterHost host, string dir)
    {
        Host = host;
        _dir = dir;
        Client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(host.KubeconfigPath!));
    }

    public EmbeddedClusterHost Host { get; }
    public k8s.Kubernetes Client { get; }
    public string Kubeconfig => Host.KubeconfigPath!;
    public Uri ApiUri => Host.Server.ApiUri;

    public static async Task<TestCluster> StartAsync(bool seed = true, double timeScale = 0.2, string? dataPath = null, double endpointsDelaySeconds = 0, string? tokenAuthFile = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "embedded-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var options = new EmbeddedClusterOptions
        {
            ApiUrl = "http://127.0.0.1:0",
            KubeconfigPath = Path.Combine(dir, "kubeconfig"),
            Seed = seed,
            TimeScale = timeScale,
            DataPath = dataPath,
            EndpointsDelaySeconds = endpointsDelaySeconds,
            TokenAuthFile = tokenAuthFile,
        };
        var host = new EmbeddedClusterHost(options);
        await host.StartAsync();
        return new TestCluster(host, dir);
    }

    /// <summary>Runs the real kubectl against this cluster, with its own discovery cache.</summary>
    public async Task<KubectlResult> KubectlAsync(params string[] args) => await Kubectl.RunAsync(Kubeconfig, Path.Combine(_dir, "cache"), TimeSpan.FromSeconds(90), args);

    public async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, string? because = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            if (deadline.Elapsed > limit) throw new TimeoutException($"Timed out after {limit.TotalSeconds}s waiting until {because ?? "the condition held"}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}

public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>The real kubectl (Debian's, at /usr/bin/kubectl here).</summary>
public static class Kubectl
{
    public static string Path => File.Exists("/usr/bin/kubectl") ? "/usr/bin/kubectl" : "kubectl";

    /// <summary>kubectl against <paramref name="kubeconfig"/>, with a discovery cache of its own beside it.</summary>
    public static Task<KubectlResult> RunAsync(string kubeconfig, params string[] args) =>
        RunAsync(kubeconfig, System.IO.Path.Combine(System.IO.Path.GetDirectoryName(kubeconfig)!, "cache"), TimeSpan.FromSeconds(90), args);

    public static async Task<KubectlResult> RunAsync(string kubeconfig, string cacheDir, TimeSpan timeout, params string[] args)
    {
        var result = await Processes.RunAsync(Path, [$"--kubeconfig={kubeconfig}", $"--cache-dir={cacheDir}", .. args], timeout: timeout);
        return new KubectlResult(result.ExitCode, result.Stdout, result.Stderr);
    }
}
