using System.Diagnostics;

namespace Dashboard.Browser.Tests;

/// <summary>
/// Debian's Chromium, installed with apt-get the first time the browser tests need it (never a
/// browser download of Playwright's own, which cannot work on these machines).
/// </summary>
public static class Chromium
{
    public const string Path = "/usr/bin/chromium";

    public static readonly string[] Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic",
    ];

    static readonly SemaphoreSlim Gate = new(1, 1);

    public static async Task EnsureInstalledAsync()
    {
        if (File.Exists(Path)) return;
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(Path)) return;
            await Run("apt-get", "update");
            await Run("apt-get", "install", "-y", "--no-install-recommends", "chromium");
            if (!File.Exists(Path)) throw new InvalidOperationException($"apt-get install chromium did not provide {Path}");
        }
        finally
        {
            Gate.Release();
        }
    }

    static async Task Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await error}{await output}");
    }
}
