using Microsoft.Extensions.Configuration;
using ModelRouter.Configuration;
using ModelRouter.Storage;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Configuration;

/// <summary>LLM <c>headers</c> may add headers, never replace the ones the router, its adapters or HTTP itself set.</summary>
public class LlmHeaderValidationTests
{
    private static ModelRouterConfig WithHeaders(params HeaderConfig[] headers)
    {
        var config = OnePool("a");
        return config with { Llms = [config.Llms[0] with { Headers = headers }] };
    }

    private static HeaderConfig Header(string name, string value = "v") => new() { Name = name, Value = value };

    [TestCase("Host")]
    [TestCase("authorization")]
    [TestCase("Proxy-Authorization")]
    [TestCase("API-KEY")]
    [TestCase("x-api-key")]
    [TestCase("X-Goog-Api-Key")]
    [TestCase("anthropic-version")]
    [TestCase("Accept")]
    [TestCase("Accept-Encoding")]
    [TestCase("Content-Length")]
    [TestCase("content-type")]
    [TestCase("Content-Encoding")]
    [TestCase("Content-Language")]
    [TestCase("Transfer-Encoding")]
    [TestCase("Connection")]
    [TestCase("Keep-Alive")]
    [TestCase("Proxy-Connection")]
    [TestCase("Upgrade")]
    [TestCase("TE")]
    [TestCase("Trailer")]
    [TestCase("Expect")]
    public void Validate_HeaderTheRouterSets_ReportedAtTheHeaderName(string name)
    {
        var errors = Validator().ValidateFields(WithHeaders(Header("OpenAI-Organization"), Header(name)));

        Assert.That(errors.Select(e => e.Path), Is.EqualTo(new[] { "llms[0].headers[1].name" }), string.Join(Environment.NewLine, errors));
        Assert.That(errors[0].Message, Does.Contain("llm 'a'").And.Contain($"'{name}'").And.Contain("set by the router"));
    }

    [TestCase("Authorization", "apiKey")]
    [TestCase("x-api-key", "apiKey")]
    [TestCase("anthropic-version", "apiVersion")]
    public void Validate_HeaderTheRouterSetsFromAField_NamesTheFieldToUse(string name, string field)
        => Assert.That(Validator().ValidateFields(WithHeaders(Header(name))).Single().Message, Does.Contain($"use {field}"));

    [TestCase("X Custom")]
    [TestCase("X(Custom)")]
    [TestCase("X/Custom")]
    [TestCase("X\"Custom\"")]
    [TestCase("X,Custom")]
    [TestCase("X-Custom:")]
    [TestCase("X-Custom\r\nX-Injected")]
    [TestCase("X-Cüstom")]
    [TestCase("")]
    public void Validate_HeaderNameNotAnHttpToken_ReportedAtTheHeaderName(string name)
    {
        var errors = Validator().ValidateFields(WithHeaders(Header(name)));

        Assert.That(errors.Select(e => e.Path), Is.EqualTo(new[] { "llms[0].headers[0].name" }));
        Assert.That(errors[0].Message, Does.Contain("not a valid HTTP header name").And.Not.Contain("\r").And.Not.Contain("\n"));
    }

    [TestCase("secret-1\r\nX-Injected: 1")]
    [TestCase("secret-1\nX-Injected: 1")]
    [TestCase("secret-1\r")]
    [TestCase("secret-1\0")]
    [TestCase("secret-1\u007f")]
    [TestCase("secret-1\u00e9")]
    public void Validate_HeaderValueWithControlOrNonAsciiCharacters_ReportedAtTheValueWithoutQuotingIt(string value)
    {
        var errors = Validator().ValidateFields(WithHeaders(Header("X-Custom", value)));

        Assert.That(errors.Select(e => e.Path), Is.EqualTo(new[] { "llms[0].headers[0].value" }));
        Assert.That(errors[0].Message, Does.Contain("'X-Custom'").And.Not.Contain("secret-1"));
    }

    [TestCase("OpenAI-Organization", "org-123")]
    [TestCase("anthropic-beta", "prompt-caching-2024-07-31")]
    [TestCase("X-Custom_1.a~!#$%&'*+^`|", "a value, with \"quotes\"\tand a tab")]
    [TestCase("Cookie", "session=abc")]
    [TestCase("X-Empty", "")]
    public void Validate_OrdinaryHeader_NoErrors(string name, string value)
        => Assert.That(Validator().ValidateFields(WithHeaders(Header(name, value))), Is.Empty);

    [Test]
    public async Task Validate_ConfigurationFileSettingHost_ReportedAtTheHeaderName()
    {
        var section = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ModelRouter:llms:0:id"] = "a",
            ["ModelRouter:llms:0:baseUrl"] = "http://127.0.0.1:5101/a/v1",
            ["ModelRouter:llms:0:headers:X-Team"] = "t1",
            ["ModelRouter:llms:0:headers:HOST"] = "127.0.0.1",
        }).Build().GetSection("ModelRouter");
        var config = await new ConfigurationRouterStore(section).GetConfigAsync();

        var errors = Validator().ValidateFields(config);

        Assert.That(errors.Select(e => e.Path), Is.EqualTo(new[] { "llms[0].headers[0].name" }));
        Assert.That(errors[0].Message, Does.Contain("'HOST'"));
    }
}
