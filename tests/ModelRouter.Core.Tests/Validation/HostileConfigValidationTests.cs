using ModelRouter.Configuration;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Validation;

/// <summary>Configurations built to hurt: names too long to travel in URLs and headers, values too long to quote back.</summary>
public class HostileConfigValidationTests
{
    [Test]
    public void Validate_OverlongLlmIdPoolNameAndAppName_AreRefused()
    {
        var config = OnePool("a");
        var longName = new string('n', 129);
        config = config with
        {
            Llms = [config.Llms[0], config.Llms[0] with { Id = longName }],
            Routers = [config.Routers[0] with { Pools = [config.Routers[0].Pools[0] with { Name = longName }] }, config.Routers[1]],
            Apps = [config.Apps[0] with { Name = longName }, config.Apps[1]],
        };

        var errors = Validator().ValidateFields(config);

        Assert.That(errors.Select(e => e.Path), Is.SupersetOf(new[] { "llms[1].id", "routers[0].pools[0].name", "apps[0].name" }));
        Assert.That(errors.Where(e => e.Message.Contains("at most 128 characters", StringComparison.Ordinal)), Has.Exactly(3).Items);
    }

    [Test]
    public void Validate_HugeValuesQuotedInMessages_AreCutShort()
    {
        var config = OnePool("a");
        var huge = new string('x', 100_000);
        config = config with
        {
            Llms = [config.Llms[0] with { BaseUrl = huge, Provider = huge }],
            Routers = [config.Routers[0] with { Slug = huge }, config.Routers[1]],
        };

        var errors = Validator().Validate(config);

        Assert.That(errors, Is.Not.Empty);
        Assert.That(errors, Has.All.Length.LessThan(1000));
        Assert.That(errors, Has.Some.Contains("'" + new string('x', 64) + "…'"));
    }
}
