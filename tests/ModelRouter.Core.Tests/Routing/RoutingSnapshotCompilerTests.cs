using ModelRouter.Configuration;
using ModelRouter.Model;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>A new snapshot reuses what did not change: a write to one router leaves every other compiled router as it was.</summary>
public class RoutingSnapshotCompilerTests
{
    private static ModelRouterConfig TwoRouters() => new()
    {
        Llms = [Llm("a"), Llm("b")],
        Routers =
        [
            new RouterConfig { Slug = "kept", Pools = [Pool("all", "*", Vendor("a"), Vendor("b"))] },
            new RouterConfig { Slug = "changed", Pools = [Pool("all", "*", Vendor("a"))] },
        ],
    };

    private static ModelRouterConfig WriteToChanged(ModelRouterConfig config)
        => config with { Routers = [config.Routers[0], config.Routers[1] with { Pools = [Pool("all", "*", Vendor("b"))] }] };

    [Test]
    public void Compile_WriteToAnotherRouter_KeepsTheUnchangedRouterAndItsSelectorState()
    {
        var compiler = Compiler();
        var config = TwoRouters();
        var before = compiler.Compile(config);
        var state = before.Routers["kept"].Pools[0].GetOrAddSelectorState(_ => new object());

        var after = compiler.Compile(WriteToChanged(config), before);

        Assert.Multiple(() =>
        {
            Assert.That(after.Routers["kept"], Is.SameAs(before.Routers["kept"]));
            Assert.That(after.Routers["kept"].Pools[0].GetOrAddSelectorState(_ => new object()), Is.SameAs(state));
            Assert.That(after.Routers["changed"], Is.Not.SameAs(before.Routers["changed"]));
            Assert.That(after.Routers["changed"].Pools[0].Vendors.Single().Llm.Id, Is.EqualTo("b"));
        });
    }

    [Test]
    public void Compile_WriteToAnotherRouter_SelectorStateCreatedByARequestStillOnTheOldSnapshotIsKept()
    {
        // A request that started before the write picks its first vendor on the old snapshot after the new one exists:
        // the state it creates is the one the next requests use.
        var compiler = Compiler();
        var config = TwoRouters();
        var before = compiler.Compile(config);
        var after = compiler.Compile(WriteToChanged(config), before);

        var state = before.Routers["kept"].Pools[0].GetOrAddSelectorState(_ => new object());

        Assert.That(after.Routers["kept"].Pools[0].GetOrAddSelectorState(_ => new object()), Is.SameAs(state));
    }

    [Test]
    public void Compile_LlmOfAnUnchangedRouterChanged_RecompilesThatRouterWithTheNewLlm()
    {
        var compiler = Compiler();
        var config = TwoRouters();
        var before = compiler.Compile(config);
        var moved = config with { Llms = [config.Llms[0], config.Llms[1] with { BaseUrl = "http://127.0.0.1:5102/b/v1" }] };

        var after = compiler.Compile(moved, before);

        Assert.Multiple(() =>
        {
            Assert.That(after.Routers["kept"], Is.Not.SameAs(before.Routers["kept"]));
            Assert.That(after.Routers["kept"].Pools[0].Vendors[1].Llm.BaseUri.ToString(), Is.EqualTo("http://127.0.0.1:5102/b/v1/"));
            Assert.That(after.Routers["kept"].Pools[0].Vendors[0].Llm, Is.SameAs(before.Routers["kept"].Pools[0].Vendors[0].Llm), "LLM 'a' did not change");
            Assert.That(after.Routers["changed"], Is.SameAs(before.Routers["changed"]), "router 'changed' uses only LLM 'a'");
        });
    }

    [Test]
    public void Compile_EqualButNewRouterConfiguration_CompilesItAgain()
    {
        // Reuse goes by instance: a store hands out the same instance for an unchanged item, and a configuration file
        // read again gives new ones, which compile afresh (their pools carry the selection state over as before).
        var compiler = Compiler();
        var config = TwoRouters();
        var before = compiler.Compile(config);
        var state = before.Routers["kept"].Pools[0].GetOrAddSelectorState(_ => new object());

        var after = compiler.Compile(config with { Routers = [config.Routers[0] with { }, config.Routers[1]] }, before);

        Assert.Multiple(() =>
        {
            Assert.That(after.Routers["kept"], Is.Not.SameAs(before.Routers["kept"]));
            Assert.That(after.Routers["kept"].Pools[0].GetOrAddSelectorState(_ => new object()), Is.SameAs(state));
        });
    }
}
