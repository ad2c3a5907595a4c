using System.Runtime.CompilerServices;
using Dashboard.ClusterServices.Validation;
using Dashboard.Web.Security;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Hubs;

/// <summary>
/// <c>/hubs/pods</c>: live pods for other screens and tools. <c>StreamPods(namespace)</c> sends an ADDED
/// for every current pod, then every change. A thin adapter over the namespace's shared feed: any
/// number of streams add no watch on the cluster and no work per event beyond copying it out. The
/// caches read with the dashboard's own account, so each stream first asks the cluster whether the
/// signed-in person may list pods in that namespace.
/// </summary>
public sealed class PodsHub(PodEventFeeds feeds, PersonClients people, AccessReviews access) : Hub
{
    public const string Path = "/hubs/pods";

    /// <summary>Streams one connection may hold open at once: a screen shows a few namespaces, not forty.</summary>
    public const int MaxStreamsPerConnection = 8;
    const string OpenStreams = "open-streams";

    // Set before any invocation: streams of one connection start concurrently.
    public override Task OnConnectedAsync()
    {
        Context.Items[OpenStreams] = new StrongBox<int>();
        return base.OnConnectedAsync();
    }

    /// <remarks>Each item on the wire is one event; batches are this server's way of writing them (see <see cref="PodStreamBatch"/>).</remarks>
    public async IAsyncEnumerable<PodStreamBatch> StreamPods(string @namespace, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (InputValidation.LabelError(@namespace) is { } error) throw new HubException(error);
        var person = people.For(Context.User ?? new()) ?? throw new HubException("Sign in first: pods are streamed only to people the cluster lets see them.");
        if (!await access.AllowedAsync(person, "list", "", "pods", @namespace, cancellationToken))
            throw new HubException($"{person.Name} may not list pods in namespace {@namespace} (the cluster's RBAC decides; ask for a RoleBinding).");
        if (!await access.NamespaceExistsAsync(person, @namespace, cancellationToken))
            throw new HubException($"There is no namespace {@namespace}.");
        var open = (StrongBox<int>)Context.Items[OpenStreams]!;
        if (Interlocked.Increment(ref open.Value) > MaxStreamsPerConnection)
        {
            Interlocked.Decrement(ref open.Value);
            throw new HubException($"A connection may stream at most {MaxStreamsPerConnection} namespaces at once; end one first.");
        }
        try
        {
            await foreach (var batch in StreamAsync(@namespace, cancellationToken)) yield return batch;
        }
        finally
        {
            Interlocked.Decrement(ref open.Value);
        }
    }

    async IAsyncEnumerable<PodStreamBatch> StreamAsync(string @namespace, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var reader = await feeds.OpenAsync(@namespace, cancellationToken);
        foreach (var batch in PodStreamBatch.Split(reader.TakeSnapshot())) yield return batch;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<PodStreamEvent> events;
            try { events = await reader.ReadAsync(cancellationToken); }
            catch (OperationCanceledException) { yield break; }
            foreach (var batch in PodStreamBatch.Split(events)) yield return batch;
        }
    }
}
