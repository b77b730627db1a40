using System.Collections.Concurrent;
using ModelRouter.Model;
using ModelRouter.Selection;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Selection;

public class WeightedVendorSelectorTests
{
    private static readonly WeightedVendorSelector s_selector = new();

    private static PoolSnapshot PoolOf(params int[] weights)
        => CompilePool(Pool("p", "*", [.. weights.Select((w, i) => Vendor($"v{i}", weight: w))]) with { Algorithm = "weighted" });

    private static string Pick(PoolSnapshot pool, VendorSet excluded = default)
        => s_selector.SelectVendor(pool, new VendorCandidates(excluded))!.Llm.Id;

    private static string[] Picks(PoolSnapshot pool, int count) => [.. Enumerable.Range(0, count).Select(_ => Pick(pool))];

    [Test]
    public void SelectVendor_ThreeToOne_InterleavesAsAABA()
    {
        var pool = PoolOf(3, 1);

        Assert.That(Picks(pool, 8), Is.EqualTo(new[] { "v0", "v0", "v1", "v0", "v0", "v0", "v1", "v0" }));
    }

    [Test]
    public void SelectVendor_FiveOneOne_GivesTheSmoothSequence()
    {
        var pool = PoolOf(5, 1, 1);

        // The classic smooth weighted round-robin sequence (nginx): a a b a c a a.
        Assert.That(Picks(pool, 7), Is.EqualTo(new[] { "v0", "v0", "v1", "v0", "v2", "v0", "v0" }));
    }

    // Over every window of sum(weights) consecutive picks (not only aligned ones), each vendor gets exactly its weight.
    [TestCase(new[] { 3, 1 })]
    [TestCase(new[] { 5, 1, 1 })]
    [TestCase(new[] { 2, 3, 5 })]
    [TestCase(new[] { 1, 1, 1, 1 })]
    [TestCase(new[] { 7, 4, 2, 6 })]
    [TestCase(new[] { 100, 1 })]
    public void SelectVendor_EveryWindowOfTotalWeightPicks_GivesEachVendorExactlyItsWeight(int[] weights)
    {
        var pool = PoolOf(weights);
        var total = weights.Sum();
        var picks = Picks(pool, 3 * total);

        for (var start = 0; start + total <= picks.Length; start++)
        {
            var window = picks.AsSpan(start, total).ToArray();
            for (var v = 0; v < weights.Length; v++)
            {
                Assert.That(window.Count(id => id == $"v{v}"), Is.EqualTo(weights[v]), $"window at {start}, vendor v{v}");
            }
        }
    }

    // Spread out, not bunched: after any n picks, each vendor's count is within one pick of its fair share n*w/W.
    // (A bunched order such as a a a a a b c is already 1.43 picks ahead after five.)
    [TestCase(new[] { 3, 1 })]
    [TestCase(new[] { 5, 1, 1 })]
    [TestCase(new[] { 2, 3, 5 })]
    [TestCase(new[] { 7, 4, 2, 6 })]
    [TestCase(new[] { 6, 1, 1, 1 })]
    public void SelectVendor_AnyPrefixOfPicks_StaysWithinOnePickOfFairShare(int[] weights)
    {
        var pool = PoolOf(weights);
        var total = (double)weights.Sum();
        var counts = new int[weights.Length];
        var picks = Picks(pool, 2 * (int)total);

        for (var n = 1; n <= picks.Length; n++)
        {
            counts[int.Parse(picks[n - 1].AsSpan(1), System.Globalization.CultureInfo.InvariantCulture)]++;
            for (var v = 0; v < weights.Length; v++)
            {
                Assert.That(Math.Abs(counts[v] - (n * weights[v] / total)), Is.LessThan(1.0), $"after {n} picks, vendor v{v}");
            }
        }
    }

    [Test]
    public void SelectVendor_ZeroWeightVendor_GetsNoTraffic()
    {
        var pool = PoolOf(2, 0, 1);

        var picks = Picks(pool, 30);

        Assert.Multiple(() =>
        {
            Assert.That(picks, Has.None.EqualTo("v1"));
            Assert.That(picks.Count(p => p == "v0"), Is.EqualTo(20));
            Assert.That(picks.Count(p => p == "v2"), Is.EqualTo(10));
        });
    }

    [Test]
    public void SelectVendor_InactiveVendor_GetsNoTraffic()
    {
        var pool = CompilePool(Pool("p", "*", Vendor("a", weight: 2), Vendor("off", weight: 5, active: false), Vendor("b", weight: 1)) with { Algorithm = "weighted" });

        var picks = Enumerable.Range(0, 9).Select(_ => Pick(pool)).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(picks, Has.None.EqualTo("off"));
            Assert.That(picks.Count(p => p == "a"), Is.EqualTo(6));
        });
    }

    [Test]
    public void SelectVendor_ExcludedVendor_IsNotPickedAndOthersShare()
    {
        var pool = PoolOf(5, 1, 1);
        var excluded = default(VendorSet);
        excluded.Add(0);

        var picks = Enumerable.Range(0, 4).Select(_ => Pick(pool, excluded)).ToArray();

        Assert.That(picks, Is.EqualTo(new[] { "v1", "v2", "v1", "v2" }));
    }

    [Test]
    public void SelectVendor_EveryVendorExcluded_ReturnsNull()
    {
        var pool = PoolOf(1, 1);
        var excluded = default(VendorSet);
        excluded.Add(0);
        excluded.Add(1);

        Assert.That(s_selector.SelectVendor(pool, new VendorCandidates(excluded)), Is.Null);
    }

    [Test]
    public void SelectVendor_MoreThan64Vendors_HonoursExclusionsAbove64()
    {
        var weights = Enumerable.Repeat(1, 70).ToArray();
        weights[66] = 1_000;
        weights[67] = 999;
        var pool = PoolOf(weights);
        var excluded = default(VendorSet);
        excluded.Add(66);

        Assert.That(Pick(pool, excluded), Is.EqualTo("v67"));
    }

    [Test]
    public void SelectVendor_ConcurrentPicks_KeepExactCounts()
    {
        var pool = PoolOf(3, 2, 1);
        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        Parallel.For(0, 6 * 1_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => counts.AddOrUpdate(Pick(pool), 1, (_, c) => c + 1));

        Assert.Multiple(() =>
        {
            Assert.That(counts["v0"], Is.EqualTo(3_000));
            Assert.That(counts["v1"], Is.EqualTo(2_000));
            Assert.That(counts["v2"], Is.EqualTo(1_000));
        });
    }

    [Test]
    public void SelectVendor_NewCompiledPool_StartsTheSequenceAfresh()
    {
        var config = Pool("p", "*", Vendor("a", weight: 3), Vendor("b", weight: 1)) with { Algorithm = "weighted" };
        var first = CompilePool(config);
        Pick(first);
        Pick(first);

        var second = CompilePool(config);

        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, 4).Select(_ => Pick(second)), Is.EqualTo(new[] { "a", "a", "b", "a" }));
            Assert.That(Pick(first), Is.EqualTo("b"), "the old pool keeps its own state");
        });
    }

    [Test]
    public void Name_IsWeighted() => Assert.That(s_selector.Name, Is.EqualTo("weighted"));

    [Test]
    public void SelectVendor_FailoverPicks_DoNotShiftTheSplitOfLaterRequests()
    {
        var pool = PoolOf(1, 1, 1);
        var reference = PoolOf(1, 1, 1);
        var withFailovers = new List<string>();
        for (var i = 0; i < 9; i++)
        {
            var first = s_selector.SelectVendor(pool, new VendorCandidates(default))!;
            withFailovers.Add(first.Llm.Id);
            var tried = default(VendorSet);
            tried.Add(first.PoolIndex);
            Assert.That(s_selector.SelectVendor(pool, new VendorCandidates(tried, default, first.PoolIndex)), Is.Not.SameAs(first));
        }

        Assert.That(withFailovers, Is.EqualTo(Picks(reference, 9)));
    }
}
