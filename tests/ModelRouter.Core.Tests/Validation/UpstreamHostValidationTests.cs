using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using ModelRouter.Model;
using ModelRouter.Selection;
using ModelRouter.Upstream;
using ModelRouter.Validation;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Validation;

/// <summary>Base URLs are checked against the upstream host rules when saved: metadata and link-local refused, an optional allow-list.</summary>
public class UpstreamHostValidationTests
{
    private static IReadOnlyList<string> Validate(string baseUrl, Action<ModelRouterOptions>? configure = null)
    {
        var options = new ModelRouterOptions();
        configure?.Invoke(options);
        var validator = new ModelRouterConfigValidator(
            [new RoundRobinVendorSelector(), new WeightedVendorSelector()], [new OpenAIProviderAdapter()], () => UpstreamHostPolicy.From(options));
        var config = OnePool("a");
        return validator.Validate(config with { Llms = [config.Llms[0] with { BaseUrl = baseUrl }] });
    }

    [TestCase("http://169.254.169.254/latest/meta-data")]
    [TestCase("http://169.254.170.2/v2/credentials")]
    [TestCase("http://2852039166/")]
    [TestCase("http://0xA9FEA9FE/")]
    [TestCase("http://[::ffff:169.254.169.254]/")]
    [TestCase("http://[fd00:ec2::254]/")]
    [TestCase("http://[fe80::1]/v1")]
    [TestCase("http://100.100.100.200/latest")]
    [TestCase("http://metadata.google.internal/computeMetadata/v1")]
    [TestCase("http://METADATA.Google.Internal./v1")]
    [TestCase("https://metadata.goog/")]
    [TestCase("http://instance-data/latest")]
    public void Validate_LinkLocalOrMetadataBaseUrl_IsRefused(string baseUrl)
    {
        var errors = Validate(baseUrl);

        Assert.That(errors, Has.Count.EqualTo(1), string.Join(Environment.NewLine, errors));
        Assert.That(errors[0], Does.Contain("llm 'a': baseUrl is refused").And.Contain("allowLinkLocalUpstreams"));
    }

    [TestCase("http://169.254.169.254/latest/meta-data")]
    [TestCase("http://[fd00:ec2::254]/")]
    [TestCase("http://metadata.google.internal/computeMetadata/v1")]
    public void Validate_LinkLocalAllowedByHostSetting_IsAccepted(string baseUrl)
        => Assert.That(Validate(baseUrl, o => o.AllowLinkLocalUpstreams = true), Is.Empty);

    [TestCase("http://127.0.0.1:8080/v1")]
    [TestCase("http://localhost:11434/v1")]
    [TestCase("http://[::1]:8080/v1")]
    [TestCase("http://10.0.0.5/v1")]
    [TestCase("https://api.openai.com/v1")]
    public void Validate_LoopbackPrivateOrPublicByDefault_IsAccepted(string baseUrl)
        => Assert.That(Validate(baseUrl), Is.Empty);

    [TestCase("http://127.0.0.1:8080/v1")]
    [TestCase("http://127.1.2.3/v1")]
    [TestCase("http://[::1]:8080/v1")]
    [TestCase("http://0.0.0.0:8080/v1")]
    public void Validate_LoopbackLiteralWithLoopbackOff_IsRefused(string baseUrl)
        => Assert.That(Validate(baseUrl, o => o.AllowLoopbackUpstreams = false), Has.One.Contains("loopback"));

    [TestCase("https://api.openai.com/v1", true)]
    [TestCase("https://API.OpenAI.com./v1", true)]
    [TestCase("https://eu.example.openai.azure.com", true)]
    [TestCase("https://res.openai.azure.com", true)]
    [TestCase("https://openai.azure.com", false)]
    [TestCase("https://evilopenai.azure.com", false)]
    [TestCase("https://api.openai.com.evil.test/v1", false)]
    [TestCase("https://api.anthropic.com", false)]
    [TestCase("http://127.0.0.1:9000/v1", true)]
    [TestCase("http://127.0.0.2:9000/v1", false)]
    public void Validate_AllowList_AcceptsListedHostsAndSubdomainsOfWildcards(string baseUrl, bool accepted)
    {
        var errors = Validate(baseUrl, o =>
        {
            o.AllowedUpstreamHosts.Add("api.openai.com");
            o.AllowedUpstreamHosts.Add("*.openai.azure.com");
            o.AllowedUpstreamHosts.Add("127.0.0.1");
        });

        Assert.That(errors, accepted ? Is.Empty : Has.One.Contains("is not in allowedUpstreamHosts"));
    }

    [Test]
    public void Validate_AllowListedMetadataHost_IsStillRefused()
        => Assert.That(Validate("http://169.254.169.254/", o => o.AllowedUpstreamHosts.Add("169.254.169.254")), Has.One.Contains("allowLinkLocalUpstreams"));

    [Test]
    public void AddModelRouter_AllowListFromHostSettings_RegisteredValidatorRefusesOtherHosts()
    {
        var services = new ServiceCollection();
        services.AddModelRouter(o => o.AllowedUpstreamHosts.Add("*.example.test"));
        using var provider = services.BuildServiceProvider();
        var validator = provider.GetRequiredService<IModelRouterConfigValidator>();
        var config = OnePool("a");

        var refused = validator.Validate(config with { Llms = [config.Llms[0] with { BaseUrl = "https://elsewhere.test/v1" }] });
        var accepted = validator.Validate(config with { Llms = [config.Llms[0] with { BaseUrl = "https://llm.example.test/v1" }] });

        Assert.That(refused, Has.One.Contains("host 'elsewhere.test' is not in allowedUpstreamHosts"));
        Assert.That(accepted, Is.Empty);
    }

    [TestCase("https://api.openai.com")]
    [TestCase("")]
    [TestCase("*")]
    [TestCase("*.")]
    [TestCase("api.*.com")]
    public void OptionsValidator_MalformedAllowListEntry_IsRefused(string entry)
    {
        var options = new ModelRouterOptions();
        options.AllowedUpstreamHosts.Add(entry);

        var result = new ModelRouterOptionsValidator().Validate(null, options);

        Assert.That(result.Failed, Is.True);
        Assert.That(result.FailureMessage, Does.Contain("ModelRouter:allowedUpstreamHosts"));
    }
}
