using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Dashboard.Testing;

namespace Dashboard.Browser.Tests;

/// <summary>
/// A real OpenID provider on loopback: npm's certified <c>oidc-provider</c>, installed with npm the
/// first time (cached under ~/.cache/rollout-dashboard), running <c>oidc/provider.mjs</c>.
/// </summary>
public sealed class OidcProvider : IAsyncDisposable
{
    const string Version = "9.13.3";
    static readonly SemaphoreSlim Gate = new(1, 1);
    readonly Process _process;
    readonly StringBuilder _log = new();

    OidcProvider(Process process, Uri authority)
    {
        _process = process;
        Authority = authority;
    }

    public Uri Authority { get; }
    public string Log { get { lock (_log) return _log.ToString(); } }

    static string Home => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "rollout-dashboard", "oidc-provider");

    static async Task EnsureInstalledAsync()
    {
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(Path.Combine(Home, "node_modules", "oidc-provider", "package.json"))) return;
            Directory.CreateDirectory(Home);
            var install = new ProcessStartInfo("npm", ["install", "--no-audit", "--no-fund", $"oidc-provider@{Version}"]) { WorkingDirectory = Home, RedirectStandardOutput = true, RedirectStandardError = true };
            using var npm = Process.Start(install)!;
            var output = npm.StandardOutput.ReadToEndAsync();
            var error = npm.StandardError.ReadToEndAsync();
            await npm.WaitForExitAsync();
            if (npm.ExitCode != 0) throw new InvalidOperationException($"npm install oidc-provider failed ({npm.ExitCode}): {await error}{await output}");
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <param name="dashboard">The dashboard's address as the browser uses it (its callback is there).</param>
    public static async Task<OidcProvider> StartAsync(Uri dashboard)
    {
        await EnsureInstalledAsync();
        // The script runs beside the package so Node resolves it; copied anew, so edits to it take effect.
        var script = Path.Combine(Home, $"provider-{Guid.NewGuid():N}.mjs");
        File.Copy(Path.Combine(DashboardProcess.RepositoryRoot, "tests", "Dashboard.Browser.Tests", "oidc", "provider.mjs"), script);
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var start = new ProcessStartInfo("node", [script, port.ToString(System.Globalization.CultureInfo.InvariantCulture), dashboard.ToString().TrimEnd('/')])
        {
            WorkingDirectory = Home, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        var process = Process.Start(start)!;
        var provider = new OidcProvider(process, new Uri($"http://127.0.0.1:{port}"));
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (provider._log) provider._log.AppendLine(e.Data);
            if (e.Data?.Contains("oidc-provider ready", StringComparison.Ordinal) == true) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { lock (provider._log) provider._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30))) != ready.Task)
        {
            await provider.DisposeAsync();
            throw new InvalidOperationException($"oidc-provider did not start:\n{provider.Log}");
        }
        return provider;
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
