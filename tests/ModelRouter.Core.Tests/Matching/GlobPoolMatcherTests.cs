using ModelRouter.Configuration;
using ModelRouter.Model;
using ModelRouter.Matching;
using ModelRouter.Routing;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Matching;

public class GlobPoolMatcherTests
{
    private static RouterSnapshot Compile(params PoolConfig[] pools)
    {
        var config = new ModelRouterConfig
        {
            Llms = [Llm("a")],
            Routers = [new RouterConfig { Slug = "prod", Pools = pools }],
        };
        Assert.That(Validator().Validate(config), Is.Empty);
        return Compiler().Compile(config).Routers["prod"];
    }

    private static PoolConfig P(string name, string pattern, int priority) => Pool(name, pattern, Vendor("a")) with { Priority = priority };

    [Test]
    public void Match_SeveralPoolsMatch_HighestPriorityWins()
    {
        var router = Compile(P("low", "*", 1), P("high", "gpt-*", 10), P("mid", "gpt-4*", 5));

        Assert.Multiple(() =>
        {
            Assert.That(new GlobPoolMatcher().Match(router, "gpt-4o")!.Name, Is.EqualTo("high"));
            Assert.That(new GlobPoolMatcher().Match(router, "claude-3")!.Name, Is.EqualTo("low"));
        });
    }

    [Test]
    public void Match_EqualPriorities_KeepsConfigurationOrder()
    {
        var router = Compile(P("first", "gpt-*", 5), P("second", "*", 5), P("third", "gpt-4o", 5));

        Assert.Multiple(() =>
        {
            Assert.That(new GlobPoolMatcher().Match(router, "gpt-4o")!.Name, Is.EqualTo("first"));
            Assert.That(new GlobPoolMatcher().Match(router, "llama")!.Name, Is.EqualTo("second"));
        });
    }

    [Test]
    public void Match_EqualPrioritiesInReverse_KeepsConfigurationOrder()
    {
        var router = Compile(P("third", "gpt-4o", 5), P("second", "*", 5), P("first", "gpt-*", 5));

        Assert.That(new GlobPoolMatcher().Match(router, "gpt-4o")!.Name, Is.EqualTo("third"));
        Assert.That(new GlobPoolMatcher().Match(router, "gpt-4")!.Name, Is.EqualTo("second"));
    }

    [Test]
    public void Match_NegativeAndZeroPriorities_SortDescending()
    {
        var router = Compile(P("neg", "*", -5), P("zero", "*", 0), P("pos", "x*", 1));

        Assert.Multiple(() =>
        {
            Assert.That(router.Pools.Select(p => p.Name), Is.EqualTo(new[] { "pos", "zero", "neg" }));
            Assert.That(new GlobPoolMatcher().Match(router, "y")!.Name, Is.EqualTo("zero"));
        });
    }

    [Test]
    public void Match_NoPoolMatches_ReturnsNull()
        => Assert.That(new GlobPoolMatcher().Match(Compile(P("claude", "claude-*", 1)), "gpt-4"), Is.Null);

    [Test]
    public void Match_ModelWithMetacharacters_MatchesOnlyPoolsWhoseGlobAcceptsTheText()
    {
        var router = Compile(P("literal", "gpt-4", 10), P("escaped", "gpt-\\*", 5), P("rest", "*", 0));

        Assert.Multiple(() =>
        {
            Assert.That(new GlobPoolMatcher().Match(router, "gpt-*")!.Name, Is.EqualTo("escaped"));
            Assert.That(new GlobPoolMatcher().Match(router, "gpt-4")!.Name, Is.EqualTo("literal"));
            Assert.That(new GlobPoolMatcher().Match(router, "gpt-?")!.Name, Is.EqualTo("rest"));
        });
    }
}
