using Dashboard.ClusterServices.Caching;

namespace Dashboard.ClusterServices.Tests;

/// <summary>How a queue's reader is woken: at once or later, on the offering thread or not, and when it gives up.</summary>
public sealed class CoalescingQueueTests
{
    sealed record Entry(string Key, int Value);

    static CoalescingQueue<Entry> Queue(bool inline = false) => new(100, static (_, next) => next, inline);

    static ValueTask<IReadOnlyList<Entry>> ReadAsync(CoalescingQueue<Entry> queue, CancellationToken cancellationToken = default) =>
        queue.ReadAsync(static batch => batch, static () => throw new InvalidOperationException("dropped"), cancellationToken);

    // Readers start on the thread pool, outside the test framework's synchronisation context, as hub streams run.
    static Task<(IReadOnlyList<Entry> Batch, int Thread)> StartReader(CoalescingQueue<Entry> queue, CancellationToken cancellationToken = default) =>
        Task.Run(async () =>
        {
            var batch = await ReadAsync(queue, cancellationToken);
            return (batch, Environment.CurrentManagedThreadId);
        });

    static async Task UntilWaitingAsync(Task reader)
    {
        // The reader is waiting once its task has not completed after it got going; a short pause is enough for that.
        await Task.Delay(100);
        Assert.False(reader.IsCompleted);
    }

    [Fact]
    public async Task Entries_offered_before_the_read_are_handed_over_at_once_in_the_order_their_keys_came()
    {
        var queue = Queue();
        queue.Offer("b", new("b", 1));
        queue.Offer("a", new("a", 1));
        queue.Offer("b", new("b", 2));

        var batch = await ReadAsync(queue).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal([new("b", 2), new("a", 1)], batch);
    }

    [Fact]
    public async Task A_reader_woken_inline_has_read_the_offer_on_the_offering_thread_before_offer_returns()
    {
        var queue = Queue(inline: true);
        var reader = StartReader(queue);
        await UntilWaitingAsync(reader);

        var (completedBeforeOfferReturned, offeringThread) = await Task.Run(() =>
        {
            queue.Offer([new Entry("a", 1), new Entry("b", 1)], e => e.Key);
            return (reader.IsCompleted, Environment.CurrentManagedThreadId);
        });

        Assert.True(completedBeforeOfferReturned);
        var (batch, readerThread) = await reader;
        Assert.Equal(offeringThread, readerThread);
        Assert.Equal(["a", "b"], batch.Select(e => e.Key));
    }

    [Fact]
    public async Task A_reader_not_woken_inline_runs_on_another_thread()
    {
        var queue = Queue();
        var reader = StartReader(queue);
        await UntilWaitingAsync(reader);

        var offeringThread = await Task.Run(() =>
        {
            queue.Offer("a", new("a", 1));
            // Held until the reader has finished: it cannot have run on this thread.
            reader.Wait(TimeSpan.FromSeconds(5));
            return Environment.CurrentManagedThreadId;
        });

        var (batch, readerThread) = await reader;
        Assert.NotEqual(offeringThread, readerThread);
        Assert.Equal("a", Assert.Single(batch).Key);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cancelled_read_ends_and_the_next_read_still_gets_what_is_offered(bool inline)
    {
        var queue = Queue(inline);
        using var cancel = new CancellationTokenSource();
        var reader = StartReader(queue, cancel.Token);
        await UntilWaitingAsync(reader);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.WaitAsync(TimeSpan.FromSeconds(5)));
        var next = StartReader(queue);
        queue.Offer("a", new("a", 2));
        Assert.Equal(2, Assert.Single((await next.WaitAsync(TimeSpan.FromSeconds(5))).Batch).Value);
    }

    [Fact]
    public async Task An_offer_while_no_one_reads_wakes_the_next_read_once()
    {
        var queue = Queue(inline: true);
        queue.Offer("a", new("a", 1));
        Assert.Single(await ReadAsync(queue).AsTask().WaitAsync(TimeSpan.FromSeconds(5)));

        // Nothing offered since: the next read waits.
        var reader = StartReader(queue);
        await UntilWaitingAsync(reader);
        queue.Offer("b", new("b", 1));
        Assert.Equal("b", Assert.Single((await reader.WaitAsync(TimeSpan.FromSeconds(5))).Batch).Key);
    }
}
