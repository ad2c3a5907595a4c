using System.Net;

namespace Dashboard.Kubernetes;

/// <summary>
/// Whether a name or an address stays on this machine: the one answer behind "no sign-in only on
/// loopback", the unauthenticated API server's listener, and its Host and Origin checks.
/// </summary>
public static class Loopback
{
    /// <summary><c>localhost</c>, or a loopback IP (v4 or v6, brackets allowed).</summary>
    public static bool IsHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip);

    /// <summary>A URL on a loopback host; Kestrel's <c>*</c> and <c>+</c> (every interface) are not, nor is anything unparsable.</summary>
    public static bool IsUrl(string url) =>
        Uri.TryCreate(url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
        && IsHost(uri.Host);
}
