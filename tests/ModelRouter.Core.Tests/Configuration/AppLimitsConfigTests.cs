using System.Text.Json;
using Microsoft.Extensions.Configuration;
using ModelRouter.Configuration;
using ModelRouter.Serialization;
using ModelRouter.Storage;
using ModelRouter.Validation;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Configuration;

/// <summary>An app's <c>requestsPerMinute</c> and <c>tokensPerMinute</c> in the configuration file, in stored and admin documents, and in validation.</summary>
public class AppLimitsConfigTests
{
    [Test]
    public void ConfigurationFile_ReadsTheAppsLimits()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["apps:0:name"] = "team-a",
            ["apps:0:requestsPerMinute"] = "60",
            ["apps:0:tokensPerMinute"] = "90000",
            ["apps:1:name"] = "team-b",
        }).Build();
        var errors = new List<ModelRouterConfigError>();

        var config = ConfigurationReader.ReadConfig(section, errors);

        Assert.That(errors, Is.Empty);
        Assert.That((config.Apps[0].RequestsPerMinute, config.Apps[0].TokensPerMinute), Is.EqualTo(((int?)60, (int?)90000)));
        Assert.That((config.Apps[1].RequestsPerMinute, config.Apps[1].TokensPerMinute), Is.EqualTo(((int?)null, (int?)null)));
    }

    [Test]
    public void StoredAndAdminDocument_KeepsTheAppsLimits()
    {
        var app = new AppConfig { Name = "team-a", RequestsPerMinute = 60, TokensPerMinute = 90000, Routers = ["*"] };

        var json = JsonSerializer.Serialize(app, ConfigJsonContext.Default.AppConfig);
        var read = ConfigDocuments.Read(json.AsSpan(), ConfigJsonContext.Default.AppDocument).ToConfig();

        Assert.That(json, Does.Contain("\"requestsPerMinute\":60").And.Contain("\"tokensPerMinute\":90000"));
        Assert.That((read.RequestsPerMinute, read.TokensPerMinute), Is.EqualTo(((int?)60, (int?)90000)));
    }

    [TestCase(0, null, "requestsPerMinute")]
    [TestCase(null, -1, "tokensPerMinute")]
    public void Validation_ALimitBelowOne_IsRefusedNamingTheField(int? requests, int? tokens, string field)
    {
        var config = OnePool("a");
        config = config with { Apps = [config.Apps[0] with { RequestsPerMinute = requests, TokensPerMinute = tokens }, .. config.Apps.Skip(1)] };

        var errors = Validator().ValidateFields(config);

        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0].Path, Is.EqualTo($"apps[0].{field}"));
        Assert.That(errors[0].Message, Does.Contain($"{field} must be at least 1"));
    }
}
