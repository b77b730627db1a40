using System.Collections.Concurrent;
using ModelRouter.Model;
using ModelRouter.Configuration;
using ModelRouter.Selection;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Selection;

public class RoundRobinVendorSelectorTests
{
    private static readonly RoundRobinVendorSelector s_selector = new();

    private static PoolSnapshot PoolOf(params VendorConfig[] vendors) => CompilePool(Pool("p", "*", vendors));

    private static string Pick(PoolSnapshot pool, VendorSet excluded = default) => s_selector.SelectVendor(pool, new VendorCandidates(excluded))!.Llm.Id;

    [Test]
    public void SelectVendor_FreshPool_GoesInConfigurationOrder()
    {
        var pool = PoolOf(Vendor("a"), Vendor("b"), Vendor("c"));

        var picks = Enumerable.Range(0, 7).Select(_ => Pick(pool)).ToArray();

        Assert.That(picks, Is.EqualTo(new[] { "a", "b", "c", "a", "b", "c", "a" }));
    }

    [TestCase(1, 5)]
    [TestCase(2, 7)]
    [TestCase(3, 100)]
    [TestCase(5, 33)]
    public void SelectVendor_NTimesKPicks_GivesExactlyNEach(int k, int n)
    {
        var pool = PoolOf([.. Enumerable.Range(0, k).Select(i => Vendor($"v{i}"))]);

        var counts = Enumerable.Range(0, n * k).Select(_ => Pick(pool)).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        Assert.That(counts.Values, Has.Count.EqualTo(k).And.All.EqualTo(n));
    }

    [Test]
    public void SelectVendor_ConcurrentPicks_GiveExactEvenSplit()
    {
        const int k = 4;
        const int n = 2_500;
        var pool = PoolOf([.. Enumerable.Range(0, k).Select(i => Vendor($"v{i}"))]);
        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        Parallel.For(0, n * k, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ => counts.AddOrUpdate(Pick(pool), 1, (_, c) => c + 1));

        Assert.That(counts.Values, Has.Count.EqualTo(k).And.All.EqualTo(n));
    }

    [Test]
    public void SelectVendor_InactiveAndZeroWeightVendors_AreNeverPicked()
    {
        var pool = PoolOf(Vendor("a"), Vendor("off", active: false), Vendor("b"), Vendor("zero", weight: 0));

        var picks = Enumerable.Range(0, 6).Select(_ => Pick(pool)).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(picks, Is.EqualTo(new[] { "a", "b", "a", "b", "a", "b" }));
            Assert.That(pool.AvailableVendors.Select(v => v.Llm.Id), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(pool.Vendors.Single(v => v.Llm.Id == "off").PoolIndex, Is.EqualTo(-1));
        });
    }

    [Test]
    public void SelectVendor_NoAvailableVendor_ReturnsNull()
    {
        var pool = PoolOf(Vendor("off", active: false), Vendor("zero", weight: 0));

        Assert.That(s_selector.SelectVendor(pool, default), Is.Null);
    }

    [Test]
    public void SelectVendor_ExcludedVendor_IsSkippedForTheNextEligible()
    {
        var pool = PoolOf(Vendor("a"), Vendor("b"), Vendor("c"));
        var excluded = default(VendorSet);
        excluded.Add(0);

        Assert.Multiple(() =>
        {
            Assert.That(Pick(pool, excluded), Is.EqualTo("b"), "turn of a, excluded: next is b");
            Assert.That(Pick(pool, excluded), Is.EqualTo("b"), "turn of b");
            Assert.That(Pick(pool, excluded), Is.EqualTo("c"), "turn of c");
        });
    }

    [Test]
    public void SelectVendor_EveryVendorExcluded_ReturnsNull()
    {
        var pool = PoolOf(Vendor("a"), Vendor("b"));
        var excluded = default(VendorSet);
        excluded.Add(0);
        excluded.Add(1);

        Assert.That(s_selector.SelectVendor(pool, new VendorCandidates(excluded)), Is.Null);
    }

    [Test]
    public void SelectVendor_MoreThan64Vendors_ExcludesPositionsAbove64()
    {
        var pool = PoolOf([.. Enumerable.Range(0, 70).Select(i => Vendor($"v{i}"))]);
        for (var i = 0; i < 65; i++)
        {
            Pick(pool); // Move the turn to position 65.
        }

        var excluded = default(VendorSet);
        excluded.Add(65);
        excluded.Add(66);

        Assert.Multiple(() =>
        {
            Assert.That(Pick(pool, excluded), Is.EqualTo("v67"));
            Assert.That(Pick(pool, excluded), Is.EqualTo("v67"));
            Assert.That(Pick(pool, excluded), Is.EqualTo("v67"));
            Assert.That(Pick(pool, excluded), Is.EqualTo("v68"));
        });
    }

    [Test]
    public void SelectVendor_NewCompiledPool_StartsAtTheFirstVendorAgain()
    {
        var config = Pool("p", "*", Vendor("a"), Vendor("b"), Vendor("c"));
        var first = CompilePool(config);
        Pick(first);

        var second = CompilePool(config);

        Assert.Multiple(() =>
        {
            Assert.That(Pick(second), Is.EqualTo("a"));
            Assert.That(Pick(first), Is.EqualTo("b"));
        });
    }

    [Test]
    public void Name_IsRoundRobin() => Assert.That(s_selector.Name, Is.EqualTo("round_robin"));

    [Test]
    public void SelectVendor_FailoverPick_TakesNoTurn()
    {
        var pool = PoolOf(Vendor("a"), Vendor("b"), Vendor("c"));
        var first = s_selector.SelectVendor(pool, new VendorCandidates(default))!;
        var tried = default(VendorSet);
        tried.Add(first.PoolIndex);

        var failover = s_selector.SelectVendor(pool, new VendorCandidates(tried, default, first.PoolIndex))!;

        Assert.Multiple(() =>
        {
            Assert.That(first.Llm.Id, Is.EqualTo("a"));
            Assert.That(failover.Llm.Id, Is.EqualTo("b"), "a failover moves on to the next vendor in configuration order");
            Assert.That(Pick(pool), Is.EqualTo("b"), "the next request still gets its own turn");
        });
    }

    [Test]
    public void SelectVendor_FailoverPick_MovesOnFromTheVendorTriedLast()
    {
        var pool = PoolOf(Vendor("a"), Vendor("b"), Vendor("c"), Vendor("d"));
        var tried = default(VendorSet);
        tried.Add(2);
        tried.Add(3);

        var failover = s_selector.SelectVendor(pool, new VendorCandidates(tried, default, 3))!;

        Assert.That(failover.Llm.Id, Is.EqualTo("a"));
    }
}
