using ModelRouter.Health;

namespace ModelRouter.Tests.Health;

/// <summary>The per-minute counters behind the admin API's live state.</summary>
public class RecentCountsTests
{
    private static readonly DateTimeOffset s_start = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void Add_FromManyThreadsInOneMinute_CountsEveryAdd()
    {
        var counts = new RecentCounts();

        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counts.Add(s_start.AddSeconds(30), 1, 2, 3);
            }
        });

        var minute = counts.Read(s_start.AddSeconds(59))[^1];
        Assert.That((minute.First, minute.Second, minute.Third), Is.EqualTo((80_000L, 160_000L, 240_000L)));
    }

    [Test]
    public void RouterTrafficRecord_OnTheRequestPath_AllocatesNothing()
    {
        var traffic = new RouterTraffic(TimeProvider.System);
        traffic.Record(1, served: true);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            traffic.Record(1 + (i % 3), served: i % 5 != 0);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero);
        Assert.That(traffic.Read().Sum(m => m.First), Is.EqualTo(10_001));
    }

    [Test]
    public void Read_OverMinutes_KeepsEachMinuteApartAndForgetsThoseOutOfTheWindow()
    {
        var counts = new RecentCounts();
        counts.Add(s_start, 1);
        counts.Add(s_start.AddMinutes(1), 2);
        counts.Add(s_start.AddMinutes(1).AddSeconds(59), 3);

        var now = counts.Read(s_start.AddMinutes(2));
        Assert.That(now.Select(m => m.First).TakeLast(3), Is.EqualTo(new long[] { 1, 5, 0 }));
        Assert.That(now[^1].Start, Is.EqualTo(s_start.AddMinutes(2)));

        // At minute 15 the window is minutes 1 to 15: minute 0 has left it.
        Assert.That(counts.Read(s_start.AddMinutes(15)).Sum(m => m.First), Is.EqualTo(2 + 3));

        // Minute 16 reuses minute 0's slot, which starts again from zero.
        counts.Add(s_start.AddMinutes(16), 7);
        var later = counts.Read(s_start.AddMinutes(16));
        Assert.That(later.Select(m => m.First), Is.EqualTo(new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7 }));
    }
}
