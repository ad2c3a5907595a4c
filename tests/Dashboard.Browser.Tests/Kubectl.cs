using System.Diagnostics;

namespace Dashboard.Browser.Tests;

/// <summary>The real kubectl, pointed at the dashboard's embedded cluster.</summary>
public static class Kubectl
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string kubeconfig, params string[] args)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add($"--kubeconfig={kubeconfig}");
        start.ArgumentList.Add($"--cache-dir={Path.Combine(Path.GetDirectoryName(kubeconfig)!, "cache")}");
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
