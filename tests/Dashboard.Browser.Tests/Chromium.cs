using Dashboard.Testing;

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

    public static Task EnsureInstalledAsync() => DebianPackages.EnsureAsync("chromium", () => File.Exists(Path));
}
