using System.Runtime.CompilerServices;
using Dashboard.ClusterServices.Validation;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Hubs;

/// <summary>
/// <c>/hubs/pods</c>: live pods for other screens and tools. <c>StreamPods(namespace)</c> sends an ADDED
/// for every current pod, then every change. A thin adapter over the namespace's shared feed: any
/// number of streams add no watch on the cluster and no work per event beyond copying it out.
/// </summary>
public sealed class PodsHub(PodEventFeeds feeds) : Hub
{
    public const string Path = "/hubs/pods";

    public async IAsyncEnumerable<PodStreamEvent> StreamPods(string @namespace, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (InputValidation.LabelError(@namespace) is { } error) throw new HubException(error);
        await using var reader = await feeds.OpenAsync(@namespace, cancellationToken);
        foreach (var e in reader.TakeSnapshot()) yield return e;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<PodStreamEvent> batch;
            try { batch = await reader.ReadAsync(cancellationToken); }
            catch (OperationCanceledException) { yield break; }
            foreach (var e in batch) yield return e;
        }
    }
}
