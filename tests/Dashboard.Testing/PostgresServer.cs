namespace Dashboard.Testing;

/// <summary>
/// A throwaway PostgreSQL server on a loopback port: Debian's <c>postgresql</c> (installed with apt-get
/// the first time, as Chromium is), a fresh data folder made by <c>initdb</c>, started with <c>pg_ctl</c>,
/// trust authentication for the test user, removed when disposed. As root the server runs as the
/// <c>postgres</c> user, which PostgreSQL requires.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    const string User = "dashboard";
    readonly string _bin;
    readonly string _dir;

    PostgresServer(string bin, string dir, int port)
    {
        _bin = bin;
        _dir = dir;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string to a database of its own (created by EF Core's migrations when they first run).</summary>
    public string ConnectionStringFor(string database) => $"Host=127.0.0.1;Port={Port};Username={User};Database={database};Pooling=false";

    public static async Task<PostgresServer> StartAsync()
    {
        var bin = await EnsureInstalledAsync();
        var root = Path.Combine(Path.GetTempPath(), "pg-tests");
        Directory.CreateDirectory(root);
        // The postgres user makes its data folder here (as /tmp is: everyone may write, only owners delete).
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(root, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit);
        var dir = Path.Combine(root, Guid.NewGuid().ToString("N"));
        var port = Ports.Free();
        await RunAsync(Path.Combine(bin, "initdb"), "-D", dir, "-U", User, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C");
        var server = new PostgresServer(bin, dir, port);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Stops the server as a crash or an outage would (its data stays for <see cref="StartAgainAsync"/>).</summary>
    public Task StopAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", _dir, "-m", "immediate", "-w", "stop");

    /// <summary>Starts the server (again) on its port with its data.</summary>
    public Task StartAgainAsync() => RunAsync(Path.Combine(_bin, "pg_ctl"), "-D", _dir, "-l", Path.Combine(_dir, "server.log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start");

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); }
        catch (InvalidOperationException) { }
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The server's programs: Debian's versioned folder, installed when missing.</summary>
    static async Task<string> EnsureInstalledAsync()
    {
        await DebianPackages.EnsureAsync("postgresql", () => Find() is not null);
        return Find()!;
    }

    static string? Find() => Directory.Exists("/usr/lib/postgresql")
        ? Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin")).Where(b => File.Exists(Path.Combine(b, "initdb"))).OrderDescending().FirstOrDefault()
        : null;

    static async Task RunAsync(string program, params string[] args)
    {
        // PostgreSQL refuses to run as root: then it runs as the postgres user Debian's package creates.
        var asRoot = Environment.UserName == "root";
        var result = asRoot
            ? await Processes.RunAsync("runuser", ["-u", "postgres", "--", program, .. args], timeout: TimeSpan.FromMinutes(2))
            : await Processes.RunAsync(program, args, timeout: TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({result.ExitCode}): {result.Stderr}{result.Stdout}");
    }
}
