using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Testing;

/// <summary>
/// The dashboard as its users run it: its own process from the build output on a loopback port,
/// on a fresh embedded cluster of its own (<see cref="StartAsync"/>) or pointed at a cluster by
/// kubeconfig as deployed (<see cref="OnClusterAsync"/>).
/// </summary>
public sealed class DashboardProcess : IAsyncDisposable
{
    readonly ProcessStartInfo _start;
    readonly StringBuilder _log = new();
    Process _process;
    bool _exited;

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
    public int Pid => _process.Id;
    /// <summary>Each line the dashboard writes, as it writes it (the benchmarks echo its failures).</summary>
    public Action<string>? OnLine { get; init; }

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

    /// <summary>
    /// A dashboard on a cluster that runs without it (a <c>TestCluster</c>, the benchmarks' cluster),
    /// signed in by token: several of them can share that cluster, and one can die while it lives on.
    /// </summary>
    public static async Task<DashboardProcess> OnClusterAsync(string kubeconfig, IReadOnlyDictionary<string, string>? settings = null, string? dataPath = null, Action<string>? onLine = null)
    {
        var project = System.IO.Path.Combine(RepositoryRoot, "src", "Dashboard.Web");
        var configuration = AppContext.BaseDirectory.Contains($"{System.IO.Path.DirectorySeparatorChar}Release{System.IO.Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var dll = System.IO.Path.Combine(project, "bin", configuration, "net10.0", "Dashboard.Web.dll");
        var url = new Uri($"http://127.0.0.1:{Ports.Free()}/");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = project, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        // Run from the build output (not a publish): Development serves the packages' static web assets.
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["ASPNETCORE_URLS"] = url.ToString();
        start.Environment["Cluster__Mode"] = "KubeConfig";
        start.Environment["Cluster__KubeconfigPath"] = kubeconfig;
        start.Environment["Dashboard__DataPath"] = dataPath ?? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(kubeconfig)!, "data");
        start.Environment["Auth__Mode"] = "Token";
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) start.Environment[k] = v;
        var dashboard = new DashboardProcess(start, url, new Uri(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig).Host), kubeconfig) { OnLine = onLine };
        await dashboard.LaunchAsync();
        return dashboard;
    }

    /// <summary>Signs in on /signin with a Kubernetes token, as a person would; the cookies then open pages and hub connections.</summary>
    public async Task<CookieContainer> SignInAsync(string token)
    {
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = Url };
        var form = await http.GetStringAsync("signin");
        var antiforgery = System.Text.RegularExpressions.Regex.Match(form, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await http.PostAsync("signin", new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = antiforgery, ["token"] = token, ["returnUrl"] = "/" }));
        if (response.StatusCode != HttpStatusCode.Redirect) throw new InvalidOperationException($"Sign-in failed: {(int)response.StatusCode}");
        return cookies;
    }

    /// <summary>Resident memory of the dashboard process, in bytes.</summary>
    public long WorkingSet()
    {
        _process.Refresh();
        return _process.WorkingSet64;
    }

    async Task LaunchAsync()
    {
        _process = Process.Start(_start)!;
        _exited = false;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
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

    void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
        OnLine?.Invoke(line);
    }

    /// <summary>Kills the dashboard (as a crash or a redeploy would) and starts it again on the same ports after <paramref name="downtime"/>.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await DisposeAsync();
        await Task.Delay(downtime);
        await LaunchAsync();
    }

    /// <summary>Kills the process (as a crash would: nothing is released); a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_exited) return;
        _exited = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
