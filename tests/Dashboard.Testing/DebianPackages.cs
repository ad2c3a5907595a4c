namespace Dashboard.Testing;

/// <summary>
/// Debian packages the tests need and a fresh machine lacks (Chromium, PostgreSQL, the official Python
/// client): installed with apt-get the first time a test asks, once per test process.
/// </summary>
public static class DebianPackages
{
    static readonly SemaphoreSlim Gate = new(1, 1);

    /// <param name="present">True once the package is usable (a file it provides exists).</param>
    public static async Task EnsureAsync(string package, Func<bool> present)
    {
        if (present()) return;
        await Gate.WaitAsync();
        try
        {
            if (present()) return;
            await Apt("update");
            await Apt("install", "-y", "--no-install-recommends", package);
            if (!present()) throw new InvalidOperationException($"apt-get install {package} did not provide what the tests need");
        }
        finally
        {
            Gate.Release();
        }
    }

    static async Task Apt(params string[] args)
    {
        var result = await Processes.RunAsync("apt-get", args, timeout: TimeSpan.FromMinutes(10), environment: new() { ["DEBIAN_FRONTEND"] = "noninteractive" });
        if (result.ExitCode != 0) throw new InvalidOperationException($"apt-get {string.Join(' ', args)} failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
    }
}
