using System.Text.RegularExpressions;

namespace Dashboard.Kubernetes;

/// <summary>
/// The name rules of apimachinery's validation (IsDNS1123Subdomain, IsDNS1123Label, IsDNS1035Label),
/// with kube-apiserver's own messages.
/// </summary>
public static partial class Names
{
    public const int MaxSubdomainLength = 253;
    public const int MaxLabelLength = 63;

    public const string Rfc1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    public const string Rfc1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    public const string Rfc1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035();

    /// <summary>Deployments, ReplicaSets, pods and most other objects.</summary>
    public static bool IsSubdomain(string? name) => name is { Length: > 0 and <= MaxSubdomainLength } && Subdomain().IsMatch(name);

    /// <summary>Namespaces and container names.</summary>
    public static bool IsLabel(string? name) => name is { Length: > 0 and <= MaxLabelLength } && Label().IsMatch(name);

    /// <summary>Services.</summary>
    public static bool IsDns1035Label(string? name) => name is { Length: > 0 and <= MaxLabelLength } && Dns1035().IsMatch(name);
}
