using ModelRouter.Configuration;
using ModelRouter.Storage;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Configuration;

/// <summary>
/// Validation of one change against a configuration the validator already accepted: the items shared with it (the same
/// instances) are not checked field by field again, and what spans items (uniqueness, references) still is.
/// </summary>
public class IncrementalValidationTests
{
    private static RouterConfig Router(string slug, params string[] llms) => new()
    {
        Slug = slug,
        Pools = [Pool("all", "*", [.. llms.Select(l => Vendor(l))])],
    };

    /// <summary>Three LLMs, four routers and two apps, valid.</summary>
    private static ModelRouterConfig Base() => new()
    {
        Llms = [Llm("a"), Llm("b"), Llm("c")],
        Routers = [Router("r1", "a", "b"), Router("r2", "b"), Router("r3", "c"), Router("r4", "a", "c")],
        Apps =
        [
            new AppConfig { Name = "team-a", ApiKey = AppKey, Routers = ["r1", "r2"] },
            new AppConfig { Name = "team-b", ApiKey = OtherAppKey, Routers = ["*"] },
        ],
    };

    private static IEnumerable<TestCaseData> Changes()
    {
        yield return new TestCaseData(new Func<ModelRouterConfig, ModelRouterConfig>(c => c with { Routers = [.. c.Routers, Router("r2", "a")] }))
            .SetName("A new router with the slug of an unchanged one");
        yield return new TestCaseData(new Func<ModelRouterConfig, ModelRouterConfig>(c => c with { Routers = [Router("r3", "b"), .. c.Routers] }))
            .SetName("A new router placed before the unchanged one whose slug it takes");
        yield return new TestCaseData(new Func<ModelRouterConfig, ModelRouterConfig>(c => c with { Llms = [c.Llms[0], c.Llms[1]] }))
            .SetName("An LLM gone that unchanged routers use");
        yield return new TestCaseData(new Func<ModelRouterConfig, ModelRouterConfig>(c => c with { Llms = [c.Llms[0], c.Llms[1], c.Llms[2] with { Id = "C" }] }))
            .SetName("An LLM whose id changes case under unchanged routers");
        yield return new TestCaseData(new Func<ModelRouterConfig, ModelRouterConfig>(c => c with { Llms = [.. c.Llms, Llm("A")] }))
            .SetName("A new LLM whose id differs from an unchanged one in case only");
        yield return new TestCaseData(new Func<ModelRouterConfig, ModelRouterConfig>(c => c with { Apps = [.. c.Apps, new AppConfig { Name = "team-c", ApiKey = AppKey, Routers = ["r1"] }] }))
            .SetName("A new app with the key of an unchanged one");
        yield return new TestCaseData(new Func<ModelRouterConfig, ModelRouterConfig>(c => c with { Routers = [c.Routers[0], c.Routers[2], c.Routers[3]] }))
            .SetName("A router gone that an unchanged app names");
        yield return new TestCaseData(new Func<ModelRouterConfig, ModelRouterConfig>(c => c with { Routers = [c.Routers[0], c.Routers[1] with { Pools = [Pool("all", "[", Vendor("zz"))] }, c.Routers[2], c.Routers[3]] }))
            .SetName("A changed router with errors of its own");
    }

    [TestCaseSource(nameof(Changes))]
    public void ValidateFields_AgainstAValidBase_GivesTheErrorsOfAWholeValidation(Func<ModelRouterConfig, ModelRouterConfig> change)
    {
        var validator = Validator();
        var valid = Base();
        Assert.That(validator.ValidateFields(valid), Is.Empty, "the base is valid");
        var changed = change(valid);

        var whole = validator.ValidateFields(changed);
        var incremental = validator.ValidateFields(changed, valid);

        Assert.Multiple(() =>
        {
            Assert.That(whole, Is.Not.Empty, "the change is invalid");
            Assert.That(incremental, Is.EqualTo(whole));
        });
    }

    [Test]
    public void ValidateFields_ItemsOfTheValidBase_AreNotCheckedFieldByFieldAgain()
    {
        // An item of the base is trusted as the same instance: even one the validator would refuse today (an algorithm
        // no longer registered) costs no check, while a changed item is checked in full.
        var validator = Validator();
        var trusted = Router("r1", "a") with { Pools = [Pool("all", "*", Vendor("a")) with { Algorithm = "gone" }] };
        var valid = Base() with { Routers = [trusted, .. Base().Routers.Skip(1)] };
        var changed = valid with { Routers = [trusted, Router("r2", "b") with { Pools = [Pool("all", "*", Vendor("b")) with { Algorithm = "gone" }] }, .. valid.Routers.Skip(2)] };

        var errors = validator.ValidateFields(changed, valid);

        Assert.That(errors.Select(e => e.Path), Is.EqualTo(new[] { "routers[1].pools[0].algorithm" }));
    }

    [Test]
    public async Task Apply_AfterAValidatedWrite_StillRefusesAChangeThatBreaksAReferenceElsewhere()
    {
        // The LLM's id changes case: its own fields are fine, but routers r1 and r4 now name an LLM that does not exist.
        var validator = Validator();
        var store = new InMemoryRouterStore(Base());
        await store.ApplyAsync(RouterStoreChange.ReplaceRouter("r2", Router("r2", "b", "c")), validator);

        var ex = Assert.ThrowsAsync<RouterStoreException>(() => store.ApplyAsync(RouterStoreChange.ReplaceLlm("a", Llm("A")), validator))!;

        Assert.Multiple(() =>
        {
            Assert.That(ex.Error, Is.EqualTo(RouterStoreError.Invalid));
            Assert.That(ex.FieldErrors.Select(e => e.Path), Is.EquivalentTo(new[] { "routers[0].pools[0].vendors[0].llm", "routers[3].pools[0].vendors[0].llm" }));
        });
    }

    [Test]
    public async Task Apply_AfterAValidatedWrite_StillRefusesADuplicateAppKey()
    {
        var validator = Validator();
        var store = new InMemoryRouterStore(Base());
        await store.ApplyAsync(RouterStoreChange.ReplaceRouter("r2", Router("r2", "b", "c")), validator);

        var ex = Assert.ThrowsAsync<RouterStoreException>(() => store.ApplyAsync(
            RouterStoreChange.CreateApp(new AppConfig { Name = "team-c", ApiKey = OtherAppKey, Routers = ["r3"] }), validator))!;

        Assert.That(ex.Errors, Has.One.Contains("apiKey is the same as another app's"));
    }
}
