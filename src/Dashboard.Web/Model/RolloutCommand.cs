namespace Dashboard.Web.Model;

/// <summary>
/// One thing a person asks of a Deployment, executed as them by <see cref="IDashboardClient.ExecuteAsync"/>
/// (the dashboard's counterpart of Aspire's resource commands): a new command is a new record and a
/// case in one switch, not a new member on the boundary.
/// </summary>
public abstract record RolloutCommand(string Namespace, string Name)
{
    /// <summary>The verb on deployments the person's RBAC must allow (a SelfSubjectAccessReview asks it first where the page shows a button).</summary>
    public virtual string Verb => "patch";
}

/// <summary><c>kubectl set image</c>: one container (or every one when null) to a new image, with an optional change cause.</summary>
public sealed record SetImage(string Namespace, string Name, string? Container, string Image, string? ChangeCause) : RolloutCommand(Namespace, Name);

public sealed record Pause(string Namespace, string Name) : RolloutCommand(Namespace, Name);

public sealed record Resume(string Namespace, string Name) : RolloutCommand(Namespace, Name);

/// <summary><c>kubectl rollout restart</c>.</summary>
public sealed record Restart(string Namespace, string Name) : RolloutCommand(Namespace, Name);

public sealed record Scale(string Namespace, string Name, int Replicas) : RolloutCommand(Namespace, Name);

/// <summary><c>kubectl rollout undo --to-revision</c>.</summary>
public sealed record Rollback(string Namespace, string Name, long ToRevision) : RolloutCommand(Namespace, Name);

/// <summary>What <see cref="Rollback"/> to <paramref name="Revision"/> would change: a read, sent as the person.</summary>
public sealed record Diff(string Namespace, string Name, long Revision) : RolloutCommand(Namespace, Name)
{
    public override string Verb => "get";
}

/// <summary>Starts the traffic probe. It sends traffic as the dashboard, so it takes the right to change the Deployment.</summary>
public sealed record StartProbe(string Namespace, string Name) : RolloutCommand(Namespace, Name);

public sealed record StopProbe(string Namespace, string Name) : RolloutCommand(Namespace, Name);

/// <summary>Sets (or, with <see cref="Dashboard.ClusterServices.Guard.GuardMode.Off"/>, removes) the rollout guard's annotations on the Deployment.</summary>
public sealed record SetGuard(string Namespace, string Name, Dashboard.ClusterServices.Guard.GuardMode Mode, double MaxFailedRatio, int StuckSeconds) : RolloutCommand(Namespace, Name);
