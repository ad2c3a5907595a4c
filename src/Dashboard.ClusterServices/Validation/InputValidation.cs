using Dashboard.Kubernetes;

namespace Dashboard.ClusterServices.Validation;

/// <summary>Checks made before anything is sent to the cluster, each failing with a sentence for a person.</summary>
public static class InputValidation
{
    /// <summary>Null when <paramref name="image"/> is a valid image reference; otherwise why not.</summary>
    public static string? ImageError(string? image)
    {
        if (string.IsNullOrWhiteSpace(image)) return "Enter an image reference, such as docker.io/library/flask-app:2.0.";
        if (image.Any(char.IsWhiteSpace)) return $"\"{Shorten(image)}\" is not a valid image reference: it contains spaces.";
        if (image.Any(char.IsControl)) return "The image reference contains control characters.";
        if (image.Length > 512) return $"The image reference is {image.Length} characters long; the limit is 512.";
        if (image.Contains("..", StringComparison.Ordinal)) return $"\"{Shorten(image)}\" is not a valid image reference: \"..\" is not allowed.";
        var reference = ImageReference.Parse(image);
        if (reference is null)
        {
            var withoutTag = image.Split('@')[0];
            var lastSlash = withoutTag.LastIndexOf('/');
            var repository = withoutTag.LastIndexOf(':') > lastSlash ? withoutTag[..withoutTag.LastIndexOf(':')] : withoutTag;
            var pathPart = repository.Contains('/') && (repository.Split('/')[0].Contains('.') || repository.Split('/')[0].Contains(':')) ? repository[(repository.IndexOf('/') + 1)..] : repository;
            if (pathPart.Any(char.IsUpper)) return $"\"{Shorten(image)}\" is not a valid image reference: repository names must be lowercase.";
            return $"\"{Shorten(image)}\" is not a valid image reference. Use [registry[:port]/]repository[:tag][@digest], for example docker.io/library/flask-app:2.0.";
        }
        if (reference.IsTooLong) return $"The repository name is longer than {ImageReference.MaxNameLength} characters.";
        return null;
    }

    /// <summary>RFC 1123 subdomain, the rule for Deployment and most object names.</summary>
    public static string? NameError(string? name, string what = "name")
    {
        if (string.IsNullOrEmpty(name)) return $"The {what} is empty.";
        if (!Names.IsSubdomain(name))
            return $"\"{Shorten(name)}\" is not a valid {what}: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit.";
        return null;
    }

    /// <summary>RFC 1123 label, the rule for namespaces and container names.</summary>
    public static string? LabelError(string? name, string what = "namespace")
    {
        if (string.IsNullOrEmpty(name)) return $"The {what} is empty.";
        if (!Names.IsLabel(name))
            return $"\"{Shorten(name)}\" is not a valid {what}: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit.";
        return null;
    }

    public static string? ChangeCauseError(string? cause) =>
        cause is { Length: > 1024 } ? $"The change cause is {cause.Length} characters long; keep it under 1024." : null;

    static string Shorten(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length > 80 ? clean[..77] + "..." : clean;
    }
}
