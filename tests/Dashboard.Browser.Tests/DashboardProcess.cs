using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>
/// The dashboard as its users run it: its own process on a loopback port, on a fresh embedded
/// cluster of its own, started from the build output.
/// </summary>
public sealed class DashboardProcess : IAsyncDisposable
{
    readonly ProcessStartInfo _start;
    readonly StringBuilder _log = new();
    Process _process;

    DashboardProcess(ProcessStartInfo start, Uri url, Uri apiUrl, string kubeconfig)
    {
        _start = start;
        _process = null!;
        Url = url;
        ApiUrl = apiUrl;
        Kubeconfig = kubeconfig;
    }

    public Uri Url { get; }
    /// <summary>The embedded cluster's API server (and its fault-injection endpoints).</summary>
    public Uri ApiUrl { get; }
    public string Kubeconfig { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Dashboard.sln"))) return dir.FullName;
            throw new InvalidOperationException("Dashboard.sln not found above the test output");
        }
    }


    /// <param name="persistent">Keep the embedded cluster's state on disk, so a restart of the dashboard finds it again.</param>
    /// <param name="port">The dashboard's port (default: a free one).</param>
    public static async Task<DashboardProcess> StartAsync(double timeScale = 0.3, IDictionary<string, string>? settings = null, bool persistent = false, int? port = null)
    {
        var project = System.IO.Path.Combine(RepositoryRoot, "src", "Dashboard.Web");
        var configuration = AppContext.BaseDirectory.Contains($"{System.IO.Path.DirectorySeparatorChar}Release{System.IO.Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = System.IO.Path.Combine(project, "bin", configuration, "net10.0", "Dashboard.Web.dll");
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "browser-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var url = new Uri($"http://127.0.0.1:{port ?? Ports.Free()}");
        var kubeconfig = System.IO.Path.Combine(dir, "kubeconfig");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = url.ToString();
        start.Environment["Cluster__Mode"] = "Embedded";
        start.Environment["Dashboard__DataPath"] = System.IO.Path.Combine(dir, "data");
        var apiUrl = new Uri($"http://127.0.0.1:{Ports.Free()}");
        start.Environment["EmbeddedCluster__ApiUrl"] = apiUrl.ToString().TrimEnd('/');
        start.Environment["EmbeddedCluster__KubeconfigPath"] = kubeconfig;
        start.Environment["EmbeddedCluster__TimeScale"] = timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (persistent) start.Environment["EmbeddedCluster__DataPath"] = System.IO.Path.Combine(dir, "state");
        // A setting may name the dashboard's own address: {url} and {port}.
        foreach (var (k, v) in settings ?? new Dictionary<string, string>())
            start.Environment[k] = v.Replace("{url}", url.ToString().TrimEnd('/'), StringComparison.Ordinal).Replace("{port}", url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var dashboard = new DashboardProcess(start, url, apiUrl, kubeconfig);
        await dashboard.LaunchAsync();
        return dashboard;
    }

    async Task LaunchAsync()
    {
        _process = Process.Start(_start)!;
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (_process.HasExited) throw new InvalidOperationException($"The dashboard exited ({_process.ExitCode}):\n{Log}");
            try
            {
                if ((await http.GetAsync("/healthz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(200);
        }
        await DisposeAsync();
        throw new TimeoutException($"The dashboard did not become healthy:\n{Log}");
    }

    /// <summary>Kills the dashboard (as a crash or a redeploy would) and starts it again on the same ports after <paramref name="downtime"/>.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await DisposeAsync();
        await Task.Delay(downtime);
        await LaunchAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
