using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Dashboard.Testing;

public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs a command line tool to its end (kubectl, helm, node): its exit code and both outputs.</summary>
public static class Processes
{
    /// <param name="timeout">Past it the process tree is killed and the exit code is -1.</param>
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, string? workingDirectory = null, TimeSpan? timeout = null,
        Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory ?? "" };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? []) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan);
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); }
        return new ProcessResult(process.HasExited ? process.ExitCode : -1, await stdout, await stderr);
    }
}

public static class Ports
{
    /// <summary>A loopback port nothing listens on now.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
