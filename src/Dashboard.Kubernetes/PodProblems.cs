namespace Dashboard.Kubernetes;

/// <summary>The pod STATUS words (kubectl's) that say a pod will not become ready by waiting.</summary>
public static class PodProblems
{
    public const string CrashLoopBackOff = "CrashLoopBackOff";
    public const string ImagePullBackOff = "ImagePullBackOff";
    public const string ErrImagePull = "ErrImagePull";
    public const string InvalidImageName = "InvalidImageName";
    public const string CreateContainerConfigError = "CreateContainerConfigError";

    /// <summary>Images that cannot be pulled or named: the reasons a wrong image reference shows as.</summary>
    public static readonly IReadOnlySet<string> ImageReasons = new HashSet<string>(StringComparer.Ordinal) { ImagePullBackOff, ErrImagePull, InvalidImageName };

    /// <summary>Every reason that makes a rollout stuck: a new pod showing one of these needs a person.</summary>
    public static readonly IReadOnlySet<string> StuckReasons = new HashSet<string>(ImageReasons, StringComparer.Ordinal) { CrashLoopBackOff, CreateContainerConfigError };

    public static bool IsStuck(string status) => StuckReasons.Contains(status);
}
