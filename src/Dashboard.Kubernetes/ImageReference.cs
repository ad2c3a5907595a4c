using System.Text.RegularExpressions;

namespace Dashboard.Kubernetes;

/// <summary>
/// A container image reference as the container runtime parses it (github.com/distribution/reference):
/// <c>[domain[:port]/]path[:tag][@digest]</c>.
/// </summary>
public sealed partial record ImageReference(string? Domain, string Path, string? Tag, string? Digest)
{
    /// <summary>The longest name (domain and path) the grammar allows.</summary>
    public const int MaxNameLength = 255;

    [GeneratedRegex(@"^(?:(?<domain>(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?|\[[a-fA-F0-9:]+\](?::[0-9]+)?)/)?(?<path>[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*)(?::(?<tag>[\w][\w.-]{0,127}))?(?:@(?<digest>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$")]
    private static partial Regex Grammar();

    /// <summary>The reference, or null when it does not follow the grammar ("invalid reference format"); see <see cref="IsValid"/> for the length too.</summary>
    public static ImageReference? Parse(string? image)
    {
        if (string.IsNullOrEmpty(image) || Grammar().Match(image) is not { Success: true } m) return null;
        return new ImageReference(
            m.Groups["domain"].Success ? m.Groups["domain"].Value : null,
            m.Groups["path"].Value,
            m.Groups["tag"].Success ? m.Groups["tag"].Value : null,
            m.Groups["digest"].Success ? m.Groups["digest"].Value : null);
    }

    /// <summary>What the container runtime accepts: the grammar, and a name of at most <see cref="MaxNameLength"/> characters.</summary>
    public static bool IsValid(string? image) => Parse(image) is { } r && !r.IsTooLong;

    public bool IsTooLong => Name.Length > MaxNameLength;

    /// <summary>Domain and path: what a tag or digest is appended to.</summary>
    public string Name => Domain is null ? Path : $"{Domain}/{Path}";

    /// <summary>Neither a digest nor a tag other than <c>latest</c>: what the reference points to can change under a revision.</summary>
    public bool IsMutable => Digest is null && (Tag is null || Tag == "latest");

    /// <summary>The part a person tells versions apart by: the tag, else the digest, else the last path segment.</summary>
    public string ShortVersion => Tag ?? (Digest is { } d ? d[..Math.Min(d.Length, 19)] : Path[(Path.LastIndexOf('/') + 1)..]);

    /// <summary>
    /// The repository of text that may not parse (a best effort for messages about bad input): the text
    /// before a digest, without a tag after the last slash.
    /// </summary>
    public static string RepositoryOf(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) image = image[..at];
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? image[..colon] : image;
    }
}
