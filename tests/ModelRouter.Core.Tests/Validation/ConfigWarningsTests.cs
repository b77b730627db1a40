using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Validation;

/// <summary>Load-time warnings: pools that can never match, pools with no vendor that takes traffic. Warnings never refuse a configuration.</summary>
public class ConfigWarningsTests
{
    private static ModelRouterConfig Router(params PoolConfig[] pools)
    {
        var config = OnePool("a", "b");
        return config with { Routers = [config.Routers[0] with { Pools = pools }, config.Routers[1]] };
    }

    private static List<(string Path, string Message)> Warnings(ModelRouterConfig config)
    {
        Assert.That(Validator().Validate(config), Is.Empty, "the configuration is valid");
        return [.. Validator().GetWarnings(config).Select(w => (w.Path, w.Message))];
    }

    [TestCase("*", "gpt-4o")]
    [TestCase("*", "gpt-*")]
    [TestCase("gpt-*", "gpt-4o")]
    [TestCase("gpt-*", "gpt-4*")]
    [TestCase("gpt-*", "gpt-4o-[0-9]?")]
    [TestCase("gpt-?o", "gpt-4o")]
    [TestCase("gpt-[34]*", "gpt-4o")]
    [TestCase("gpt-4o", "gpt-4o")]
    [TestCase("gpt-\\*", "gpt-\\*")]
    public void GetWarnings_PatternCoveredByAHigherPriorityPool_WarnsThatThePoolCanNeverMatch(string higher, string lower)
    {
        var config = Router(
            Pool("narrow", lower, Vendor("a")) with { Priority = 1 },
            Pool("wide", higher, Vendor("b")) with { Priority = 5 });

        var warnings = Warnings(config);

        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0].Path, Is.EqualTo("routers[0].pools[0].modelPattern"));
        Assert.That(warnings[0].Message, Does.Contain("pool 'narrow' can never match").And.Contain("pool 'wide' (priority 5)"));
    }

    [Test]
    public void GetWarnings_SamePriority_TheEarlierPoolIsTriedFirst()
    {
        var shadowed = Router(Pool("all", "*", Vendor("a")), Pool("gpt", "gpt-*", Vendor("b")));
        var fine = Router(Pool("gpt", "gpt-*", Vendor("b")), Pool("all", "*", Vendor("a")));

        Assert.That(Warnings(shadowed).Single().Message, Does.Contain("pool 'gpt' can never match"));
        Assert.That(Warnings(fine), Is.Empty, "a catch-all after the specific pools is the usual shape");
    }

    [TestCase("gpt-*", "claude-*")]
    [TestCase("gpt-4*", "gpt-*")]
    [TestCase("gpt-4o", "gpt-*")]
    [TestCase("gpt-?o", "gpt-[4]o")]
    [TestCase("*-mini", "gpt-*")]
    public void GetWarnings_PatternNotCertainlyCovered_GivesNoWarning(string higher, string lower)
    {
        var config = Router(
            Pool("wide", higher, Vendor("b")) with { Priority = 5 },
            Pool("narrow", lower, Vendor("a")));

        Assert.That(Warnings(config), Is.Empty);
    }

    [Test]
    public void GetWarnings_PoolWithNoVendorTakingTraffic_Warns()
    {
        var config = Router(
            Pool("off", "claude-*", Vendor("a", active: false), Vendor("b", weight: 0)),
            Pool("on", "*", Vendor("a"), Vendor("b", active: false)));

        var warnings = Warnings(config);

        Assert.That(warnings.Select(w => w.Path), Is.EqualTo(new[] { "routers[0].pools[0].vendors" }));
        Assert.That(warnings[0].Message, Does.Contain("pool 'off' has no vendor that takes traffic").And.Contain("503"));
    }

    [Test]
    public async Task Load_ConfigurationWithWarnings_IsAppliedAndEachWarningIsLogged()
    {
        var config = Router(Pool("all", "*", Vendor("a")), Pool("gpt", "gpt-*", Vendor("b", active: false)));
        await using var h = RouterHarness.Create(config);

        var snapshot = await h.Snapshots.GetSnapshotAsync();

        Assert.That(snapshot.Routers["prod"].Pools, Has.Count.EqualTo(2), "warnings never refuse a configuration");
        var logged = h.Logs.GetSnapshot().Where(r => r.Id.Name == "ConfigurationWarning").ToList();
        Assert.That(logged, Has.Count.EqualTo(2));
        Assert.That(logged.All(r => r.Level == LogLevel.Warning));
        Assert.That(logged.Select(r => r.Message), Has.Some.Contains("pool 'gpt' can never match").And.Some.Contains("pool 'gpt' has no vendor that takes traffic"));
    }
}
