namespace ModelRouter.Health;

/// <summary>
/// What one router's requests came to over the last minutes: requests that reached a pool, those no vendor served, and
/// failovers. Kept in memory per router slug across reloads; read by the admin API's live state.
/// </summary>
internal sealed class RouterTraffic(TimeProvider timeProvider)
{
    private readonly RecentCounts _counts = new();

    /// <summary>Records one request that ended after <paramref name="attempts"/> attempts, served or not.</summary>
    /// <remarks>One clock read and two or three interlocked adds; no allocation. Every attempt after the first was a failover.</remarks>
    public void Record(int attempts, bool served)
        => _counts.Add(timeProvider.GetUtcNow(), 1, served ? 0 : 1, attempts > 1 ? attempts - 1 : 0);

    /// <summary>Returns the counts per minute, oldest first: <see cref="MinuteCounts.First"/> requests, <see cref="MinuteCounts.Second"/> errors, <see cref="MinuteCounts.Third"/> failovers.</summary>
    public MinuteCounts[] Read() => _counts.Read(timeProvider.GetUtcNow());
}
