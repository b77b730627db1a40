using ModelRouter.Configuration;
using ModelRouter.Model;
using ModelRouter.Selection;
using ModelRouter.Validation;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Configuration;

public class RouterConfigValidatorTests
{
    private static ModelRouterConfig Valid() => OnePool("a", "b");

    private static IReadOnlyList<string> Validate(ModelRouterConfig config, params IVendorSelector[] extra) => Validator(extra).Validate(config);

    private static ModelRouterConfig WithRouter(ModelRouterConfig config, Func<RouterConfig, RouterConfig> change)
        => config with { Routers = [change(config.Routers[0]), .. config.Routers.Skip(1)] };

    private static ModelRouterConfig WithPool(ModelRouterConfig config, Func<PoolConfig, PoolConfig> change)
        => WithRouter(config, r => r with { Pools = [change(r.Pools[0]), .. r.Pools.Skip(1)] });

    private static ModelRouterConfig WithVendor(ModelRouterConfig config, Func<VendorConfig, VendorConfig> change)
        => WithPool(config, p => p with { Vendors = [change(p.Vendors[0]), .. p.Vendors.Skip(1)] });

    private static ModelRouterConfig WithLlm(ModelRouterConfig config, Func<LlmConfig, LlmConfig> change)
        => config with { Llms = [change(config.Llms[0]), .. config.Llms.Skip(1)] };

    private static ModelRouterConfig WithApp(ModelRouterConfig config, Func<AppConfig, AppConfig> change)
        => config with { Apps = [change(config.Apps[0]), .. config.Apps.Skip(1)] };

    private static void AssertOneError(ModelRouterConfig config, params string[] fragments)
    {
        var errors = Validate(config);
        Assert.That(errors, Has.Count.EqualTo(1), string.Join(Environment.NewLine, errors));
        foreach (var fragment in fragments)
        {
            Assert.That(errors[0], Does.Contain(fragment));
        }
    }

    [Test]
    public void Validate_ValidConfiguration_ReturnsNoErrors() => Assert.That(Validate(Valid()), Is.Empty);

    [Test]
    public void Validate_EmptyConfiguration_ReturnsNoErrors() => Assert.That(Validate(new ModelRouterConfig()), Is.Empty);

    [TestCase("")]
    [TestCase("Prod")]
    [TestCase("prod_1")]
    [TestCase("prod 1")]
    [TestCase("prod/1")]
    [TestCase("pröd")]
    public void Validate_InvalidSlug_ReportsSlugFormat(string slug)
        => AssertOneError(WithRouter(Valid() with { Apps = [] }, r => r with { Slug = slug }), "slug must be 1 to 64 characters of a-z, 0-9 and '-'", $"'{slug}'");

    [Test]
    public void Validate_SlugOf65Characters_ReportsSlugFormat()
        => AssertOneError(WithRouter(Valid() with { Apps = [] }, r => r with { Slug = new string('a', 65) }), "slug must be 1 to 64 characters");

    [TestCase("a")]
    [TestCase("prod-2")]
    [TestCase("0-9")]
    public void IsValidSlug_UrlSafeSlug_IsTrue(string slug) => Assert.That(ModelRouterConfigValidator.IsValidSlug(slug), Is.True);

    [Test]
    public void IsValidSlug_SixtyFourCharacters_IsTrue() => Assert.That(ModelRouterConfigValidator.IsValidSlug(new string('z', 64)), Is.True);

    [Test]
    public void Validate_DuplicateSlug_ReportsUniqueness()
    {
        var config = Valid();
        config = config with { Routers = [.. config.Routers, config.Routers[0] with { Name = "copy" }] };

        AssertOneError(config, "router 'prod'", "slugs must be unique");
    }

    [Test]
    public void Validate_DuplicatePoolNameInRouter_ReportsUniquenessWithinRouter()
        => AssertOneError(WithRouter(Valid(), r => r with { Pools = [r.Pools[0], r.Pools[0] with { ModelPattern = "x*" }] }), "router 'prod': pool 'all'", "unique within a router");

    [Test]
    public void Validate_SamePoolNameInTwoRouters_IsAccepted()
    {
        var config = Valid();
        config = config with { Routers = [config.Routers[0], config.Routers[1] with { Pools = [config.Routers[0].Pools[0]] }] };

        Assert.That(Validate(config), Is.Empty);
    }

    [Test]
    public void Validate_MissingPoolName_ReportsPoolByIndex()
        => AssertOneError(WithPool(Valid(), p => p with { Name = " " }), "pool ' '", "name is required");

    [TestCase("gpt-[0-9", "never closed")]
    [TestCase("", "empty")]
    [TestCase("a]", "unexpected ']'")]
    public void Validate_InvalidGlob_ReportsPatternAndReason(string pattern, string reason)
        => AssertOneError(WithPool(Valid(), p => p with { ModelPattern = pattern }), "router 'prod': pool 'all'", $"modelPattern '{pattern}' is not a valid glob", reason);

    [Test]
    public void Validate_UnknownAlgorithm_ReportsTheRegisteredNames()
        => AssertOneError(WithPool(Valid(), p => p with { Algorithm = "least_latency" }), "algorithm 'least_latency' is not a registered selector", "round_robin, weighted");

    [Test]
    public void Validate_AlgorithmWithDifferentCase_IsRejected()
        => AssertOneError(WithPool(Valid(), p => p with { Algorithm = "Weighted" }), "algorithm 'Weighted'");

    [Test]
    public void Validate_HostRegisteredSelectorName_IsAccepted()
        => Assert.That(Validate(WithPool(Valid(), p => p with { Algorithm = "least_latency" }), new NamedSelector("least_latency")), Is.Empty);

    [Test]
    public void Validate_NegativeWeight_ReportsWeight()
        => AssertOneError(WithVendor(Valid(), v => v with { Weight = -1 }), "vendor 'a'", "weight must be 0 or more (got -1)");

    [Test]
    public void Validate_ZeroWeight_IsAccepted() => Assert.That(Validate(WithVendor(Valid(), v => v with { Weight = 0 })), Is.Empty);

    [Test]
    public void Validate_VendorLlmNotConfigured_ReportsTheId()
        => AssertOneError(WithVendor(Valid(), v => v with { Llm = "nope" }), "vendor 'nope'", "llm 'nope' is not configured");

    [Test]
    public void Validate_VendorLlmWithDifferentCase_IsNotConfigured()
        => AssertOneError(WithVendor(Valid(), v => v with { Llm = "A" }), "llm 'A' is not configured");

    [Test]
    public void Validate_VendorWithoutLlm_ReportsVendorByIndex()
        => AssertOneError(WithVendor(Valid(), v => v with { Llm = "" }), "vendors[0]", "llm is required");

    [TestCase("")]
    [TestCase("api.openai.com/v1")]
    [TestCase("/v1")]
    [TestCase("ftp://127.0.0.1/v1")]
    [TestCase("file:///etc/passwd")]
    public void Validate_BaseUrlNotAbsoluteHttp_ReportsBaseUrl(string baseUrl)
        => AssertOneError(WithLlm(Valid(), l => l with { BaseUrl = baseUrl }), "llm 'a'", "baseUrl must be an absolute http or https URL");

    [TestCase("http://127.0.0.1:5101/v1?key=x")]
    [TestCase("http://user:pass@127.0.0.1:5101/v1")]
    [TestCase("http://127.0.0.1:5101/v1#frag")]
    public void Validate_BaseUrlWithQueryOrCredentials_IsRejected(string baseUrl)
        => AssertOneError(WithLlm(Valid(), l => l with { BaseUrl = baseUrl }), "llm 'a'", "must not carry a query, fragment or credentials");

    [TestCase("https://127.0.0.1/v1")]
    [TestCase("http://127.0.0.1:5101")]
    [TestCase("http://127.0.0.1:5101/v1/")]
    public void Validate_HttpOrHttpsBaseUrl_IsAccepted(string baseUrl)
        => Assert.That(Validate(WithLlm(Valid(), l => l with { BaseUrl = baseUrl })), Is.Empty);

    [Test]
    public void Validate_AccessKeyIdWithoutSecretAccessKey_ReportsIt()
        => AssertOneError(WithLlm(Valid(), l => l with { AccessKeyId = "AKIAEXAMPLE0001", ApiKey = null }), "llm 'a'", "accessKeyId needs its secret access key in apiKey");

    [TestCase("US East 1")]
    [TestCase("us-east-1/../x")]
    public void Validate_RegionNotAnAwsRegionName_ReportsIt(string region)
        => AssertOneError(WithLlm(Valid(), l => l with { Region = region }), "llm 'a'", "is not an AWS region name");

    [Test]
    public void Validate_RegionAndAccessKeyIdWithSecret_AreAccepted()
        => Assert.That(Validate(WithLlm(Valid(), l => l with { Region = "eu-central-1", AccessKeyId = "AKIAEXAMPLE0001", ApiKey = "secret-access-key" })), Is.Empty);

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(double.NaN)]
    public void Validate_TimeoutNotPositive_ReportsTimeout(double seconds)
        => AssertOneError(WithLlm(Valid(), l => l with { TimeoutSeconds = seconds }), "llm 'a'", "timeoutSeconds must be greater than 0");

    [TestCase(0)]
    [TestCase(-5)]
    public void Validate_StreamIdleTimeoutNotPositive_ReportsIt(double seconds)
        => AssertOneError(WithLlm(Valid(), l => l with { StreamIdleTimeoutSeconds = seconds }), "llm 'a'", "streamIdleTimeoutSeconds must be greater than 0");

    [Test]
    public void Validate_DuplicateLlmIdIgnoringCase_ReportsUniqueness()
    {
        var config = Valid();
        config = config with { Llms = [.. config.Llms, config.Llms[0] with { Id = "A" }] };

        AssertOneError(config, "llm 'A'", "ids must be unique");
    }

    [Test]
    public void Validate_MissingLlmId_ReportsItByIndex()
    {
        var config = Valid();
        config = config with { Llms = [.. config.Llms, Llm("c") with { Id = "" }] };

        AssertOneError(config, "llms[2]", "id is required");
    }

    [Test]
    public void Validate_UnknownProvider_ReportsTheRegisteredKinds()
        => AssertOneError(WithLlm(Valid(), l => l with { Provider = "bedrock" }), "provider 'bedrock' is not registered", "openai");

    [Test]
    public void Validate_InvalidHeaderName_ReportsIt()
        => AssertOneError(WithLlm(Valid(), l => l with { Headers = [new HeaderConfig { Name = "Bad Header:", Value = "v" }] }), "header name 'Bad Header:'");

    [Test]
    public void Validate_MaxAttemptsBelowOne_ReportsIt()
        => AssertOneError(WithPool(Valid(), p => p with { MaxAttempts = 0 }), "maxAttempts must be at least 1");

    [Test]
    public void Validate_MappingWithoutTarget_ReportsIt()
        => AssertOneError(WithVendor(Valid(), v => v with { ModelMappings = [new ModelMappingConfig { Source = "gpt-4", Target = "" }] }), "modelMappings[0]", "source and target are both required");

    [Test]
    public void Validate_SourceMappedTwice_ReportsIt()
        => AssertOneError(
            WithVendor(Valid(), v => v with { ModelMappings = [new() { Source = "gpt-4", Target = "x" }, new() { Source = "gpt-4", Target = "y" }] }),
            "modelMappings[1]",
            "source 'gpt-4' is mapped twice");

    [Test]
    public void Validate_AppWithoutKey_IsValid_ItWasRevokedOrTheHostNamesIt()
        => Assert.That(Validate(WithApp(Valid(), a => a with { ApiKey = "", ApiKeyHash = null })), Is.Empty);

    [TestCase("sha256:abc")]
    [TestCase("md5:0123456789abcdef0123456789abcdef")]
    public void Validate_AppKeyHashNotASha256_ReportsIt(string hash)
        => AssertOneError(WithApp(Valid(), a => a with { ApiKey = "", ApiKeyHash = hash }), "app 'team-a'", "apiKeyHash must be 'sha256:'");

    [Test]
    public void Validate_SameKeyForTwoApps_OneHashedOnePlain_ReportsIt()
    {
        var config = Valid();
        config = config with { Apps = [config.Apps[0], config.Apps[1] with { ApiKey = "", ApiKeyHash = AppKeys.Hash(config.Apps[0].ApiKey) }] };

        Assert.That(Validate(config), Has.Some.Contains("the same as another app's"));
    }

    [Test]
    public void Validate_ShortAppKey_ReportsIt()
        => AssertOneError(WithApp(Valid(), a => a with { ApiKey = "1234567" }), "app 'team-a'", "at least 8 characters");

    [Test]
    public void Validate_SameKeyForTwoApps_ReportsItWithoutTheKey()
    {
        var config = Valid();
        config = config with { Apps = [config.Apps[0], config.Apps[1] with { ApiKey = AppKey }] };

        var errors = Validate(config);

        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.Count.EqualTo(1));
            Assert.That(errors[0], Does.Contain("app 'team-b'").And.Contain("give every app its own key"));
            Assert.That(errors[0], Does.Not.Contain(AppKey));
        });
    }

    [Test]
    public void Validate_DuplicateAppName_ReportsIt()
    {
        var config = Valid();
        config = config with { Apps = [config.Apps[0], config.Apps[1] with { Name = "TEAM-A" }] };

        AssertOneError(config, "app 'TEAM-A'", "app names must be unique");
    }

    [Test]
    public void Validate_AppWithoutName_ReportsItByIndex()
        => AssertOneError(WithApp(Valid(), a => a with { Name = "" }), "apps[0]", "name is required");

    [Test]
    public void Validate_AppRouterNotConfigured_ReportsTheSlug()
        => AssertOneError(WithApp(Valid(), a => a with { Routers = ["prod", "missing"] }), "app 'team-a'", "router 'missing' is not configured");

    [Test]
    public void Validate_AppWithStarRouters_IsAccepted()
        => Assert.That(Validate(WithApp(Valid(), a => a with { Routers = ["*"] })), Is.Empty);

    [Test]
    public void Validate_SeveralProblems_ReportsEveryOneWithItsPath()
    {
        var config = Valid();
        config = config with
        {
            Llms = [config.Llms[0] with { BaseUrl = "not a url", TimeoutSeconds = 0 }, config.Llms[1]],
            Routers =
            [
                config.Routers[0] with
                {
                    Pools =
                    [
                        config.Routers[0].Pools[0] with { ModelPattern = "[", Algorithm = "fastest", Vendors = [Vendor("a", weight: -2), Vendor("ghost")] },
                    ],
                },
                config.Routers[1] with { Slug = "Bad Slug" },
            ],
            Apps = [config.Apps[0] with { ApiKey = "short", Routers = ["prod", "nowhere"] }],
        };

        var errors = Validate(config);

        Assert.That(errors, Has.Count.EqualTo(9), string.Join(Environment.NewLine, errors));
        Assert.Multiple(() =>
        {
            Assert.That(errors, Has.One.Contains("llm 'a': baseUrl"));
            Assert.That(errors, Has.One.Contains("llm 'a': timeoutSeconds"));
            Assert.That(errors, Has.One.Contains("router 'prod': pool 'all': modelPattern"));
            Assert.That(errors, Has.One.Contains("router 'prod': pool 'all': algorithm 'fastest'"));
            Assert.That(errors, Has.One.Contains("router 'prod': pool 'all': vendor 'a': weight"));
            Assert.That(errors, Has.One.Contains("router 'prod': pool 'all': vendor 'ghost': llm 'ghost' is not configured"));
            Assert.That(errors, Has.One.Contains("router 'Bad Slug': slug must be"));
            Assert.That(errors, Has.One.Contains("app 'team-a': apiKey must be at least 8 characters"));
            Assert.That(errors, Has.One.Contains("app 'team-a': router 'nowhere'"));
        });
    }

    private sealed class NamedSelector(string name) : IVendorSelector
    {
        public string Name => name;

        public VendorSnapshot? SelectVendor(PoolSnapshot pool, VendorCandidates candidates) => pool.AvailableVendors.Count > 0 ? pool.AvailableVendors[0] : null;
    }
}
