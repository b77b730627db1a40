namespace ModelRouter.Health;

/// <summary>
/// Three counters per minute over the last <see cref="Minutes"/> minutes, in a ring of one slot per minute: adding is
/// an interlocked add on the current minute's slot (no lock, no allocation); a slot is cleared under a lock when its
/// minute comes round again.
/// </summary>
/// <remarks>Thread-safe. An add racing the turn of its minute may land in the minute before; the counts are for people to read.</remarks>
internal sealed class RecentCounts
{
    /// <summary>How many minutes the counts cover, the current one included.</summary>
    public const int Minutes = 15;

    // One spare slot: the minute that is being cleared for reuse is never one that is read.
    private const int Slots = Minutes + 1;

    private readonly Slot[] _slots = new Slot[Slots];
    private readonly Lock _turn = new();

    /// <summary>Adds to the counters of the minute <paramref name="now"/> falls in.</summary>
    public void Add(DateTimeOffset now, long first, long second = 0, long third = 0)
    {
        var minute = MinuteOf(now);
        ref var slot = ref _slots[(int)(minute % Slots)];
        if (Volatile.Read(ref slot.Minute) != minute)
        {
            Turn(ref slot, minute);
        }

        Interlocked.Add(ref slot.First, first);
        if (second != 0)
        {
            Interlocked.Add(ref slot.Second, second);
        }

        if (third != 0)
        {
            Interlocked.Add(ref slot.Third, third);
        }
    }

    /// <summary>Returns the counts of the last <see cref="Minutes"/> minutes up to <paramref name="now"/>, oldest first; minutes without counts are zeros.</summary>
    public MinuteCounts[] Read(DateTimeOffset now)
    {
        var current = MinuteOf(now);
        var result = new MinuteCounts[Minutes];
        for (var i = 0; i < Minutes; i++)
        {
            var minute = current - (Minutes - 1) + i;
            ref var slot = ref _slots[(int)(minute % Slots)];
            var start = new DateTimeOffset(minute * TimeSpan.TicksPerMinute, TimeSpan.Zero);
            result[i] = Volatile.Read(ref slot.Minute) == minute
                ? new MinuteCounts(start, Interlocked.Read(ref slot.First), Interlocked.Read(ref slot.Second), Interlocked.Read(ref slot.Third))
                : new MinuteCounts(start, 0, 0, 0);
        }

        return result;
    }

    private static long MinuteOf(DateTimeOffset time) => time.UtcTicks / TimeSpan.TicksPerMinute;

    private void Turn(ref Slot slot, long minute)
    {
        lock (_turn)
        {
            if (slot.Minute == minute)
            {
                return;
            }

            Interlocked.Exchange(ref slot.First, 0);
            Interlocked.Exchange(ref slot.Second, 0);
            Interlocked.Exchange(ref slot.Third, 0);
            Volatile.Write(ref slot.Minute, minute);
        }
    }

    private struct Slot
    {
        public long Minute;
        public long First;
        public long Second;
        public long Third;
    }
}

/// <summary>The three counters of one minute.</summary>
/// <param name="Start">When the minute began (UTC).</param>
/// <param name="First">The first counter.</param>
/// <param name="Second">The second counter.</param>
/// <param name="Third">The third counter.</param>
internal readonly record struct MinuteCounts(DateTimeOffset Start, long First, long Second, long Third);
