using System.Text.Json;
using Dashboard.Web.Hubs;
using Microsoft.AspNetCore.SignalR;

namespace Dashboard.Web.Tests;

/// <summary>What a hub stream that fell behind sends when it reads again: the shortest way from what it sent to now.</summary>
public sealed class PodEventReaderTests
{
    static readonly JsonSerializerOptions Hub = new JsonHubProtocolOptions().PayloadSerializerOptions;

    static PodStreamEvent Event(string type, string name, string rv) => PodStreamEvent.Create(type,
        new PodEventPod(name, "default", "Running", true, 0, 1, "web-1", "node-1", ["web:1"], null, null), rv, Hub);

    static PodEventReader Reader(int maxPending = 100) => new([], maxPending, _ => { });

    static async Task<List<(string Type, string Name, string Rv)>> ReadAsync(PodEventReader reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return [.. (await reader.ReadAsync(timeout.Token)).Select(e => (e.Type, e.Name, e.ResourceVersion))];
    }

    [Fact]
    public async Task A_pod_added_then_changed_while_unread_arrives_once_as_added_in_its_latest_state()
    {
        var reader = Reader();
        reader.Offer([Event("ADDED", "a", "1")]);
        reader.Offer([Event("MODIFIED", "a", "2")]);
        reader.Offer([Event("MODIFIED", "a", "3")]);

        Assert.Equal([("ADDED", "a", "3")], await ReadAsync(reader));
    }

    [Fact]
    public async Task A_pod_added_and_deleted_while_unread_is_never_sent()
    {
        var reader = Reader();
        reader.Offer([Event("ADDED", "a", "1")]);
        reader.Offer([Event("MODIFIED", "b", "2")]);
        reader.Offer([Event("DELETED", "a", "3")]);

        Assert.Equal([("MODIFIED", "b", "2")], await ReadAsync(reader));
    }

    [Fact]
    public async Task A_known_pod_deleted_and_created_again_under_its_name_arrives_as_modified()
    {
        var reader = Reader();
        reader.Offer([Event("MODIFIED", "a", "1")]);
        reader.Offer([Event("DELETED", "a", "2")]);
        reader.Offer([Event("ADDED", "a", "3")]);

        Assert.Equal([("MODIFIED", "a", "3")], await ReadAsync(reader));
    }

    [Fact]
    public async Task A_known_pod_changed_then_deleted_arrives_as_deleted()
    {
        var reader = Reader();
        reader.Offer([Event("MODIFIED", "a", "1")]);
        reader.Offer([Event("DELETED", "a", "2")]);

        Assert.Equal([("DELETED", "a", "2")], await ReadAsync(reader));
    }

    [Fact]
    public async Task Pods_arrive_in_the_order_they_first_changed()
    {
        var reader = Reader();
        reader.Offer([Event("MODIFIED", "b", "1")]);
        reader.Offer([Event("MODIFIED", "a", "2")]);
        reader.Offer([Event("MODIFIED", "b", "3")]);

        Assert.Equal([("MODIFIED", "b", "3"), ("MODIFIED", "a", "2")], await ReadAsync(reader));
    }

    [Fact]
    public async Task An_updates_events_handed_over_at_once_merge_as_if_offered_one_by_one()
    {
        var reader = Reader();
        reader.Offer([Event("ADDED", "a", "1"), Event("MODIFIED", "b", "2"), Event("MODIFIED", "a", "3"), Event("DELETED", "c", "4")]);
        reader.Offer([Event("MODIFIED", "c", "5"), Event("DELETED", "b", "6")]);

        Assert.Equal([("ADDED", "a", "3"), ("DELETED", "b", "6"), ("MODIFIED", "c", "5")], await ReadAsync(reader));
    }

    [Fact]
    public async Task A_stream_that_one_update_puts_past_its_limit_is_ended()
    {
        var reader = Reader(maxPending: 3);
        reader.Offer([.. Enumerable.Range(0, 10).Select(i => Event("ADDED", $"pod-{i}", $"{i}"))]);

        Assert.Equal(0, reader.PendingCount);
        var error = await Assert.ThrowsAsync<HubException>(() => ReadAsync(reader));
        Assert.Contains("fell more than 3 pods behind", error.Message);
    }

    [Fact]
    public async Task A_stream_further_behind_than_its_limit_is_ended_with_a_message_instead_of_growing()
    {
        var reader = Reader(maxPending: 3);
        for (var i = 0; i < 10; i++) reader.Offer([Event("ADDED", $"pod-{i}", $"{i}")]);

        Assert.Equal(0, reader.PendingCount);
        var error = await Assert.ThrowsAsync<HubException>(() => ReadAsync(reader));
        Assert.Contains("fell more than 3 pods behind", error.Message);
    }

    [Fact]
    public void An_event_is_written_with_the_hub_shape_as_the_serializer_would_write_it()
    {
        var pod = new PodEventPod("web-1-abc", "default", "Running", true, 2, 3, "web-1", "node-1", ["web:1", "<script>"], new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero), null);
        var e = PodStreamEvent.Create("MODIFIED", pod, "42", Hub);

        var written = JsonSerializer.Serialize(e, Hub);

        var expected = JsonSerializer.Serialize(new { type = "MODIFIED", pod, resourceVersion = "42" }, Hub);
        Assert.Equal(expected, written);
        Assert.StartsWith("""{"type":"MODIFIED","pod":{"name":"web-1-abc","namespace":"default","status":"Running","ready":true,"restarts":2,"revision":3,""", written);
    }
}
