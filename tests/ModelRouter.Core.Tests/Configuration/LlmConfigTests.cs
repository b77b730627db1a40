using ModelRouter.Configuration;

namespace ModelRouter.Tests.Configuration;

public class LlmConfigTests
{
    [Test]
    public void ToString_WithKey_HidesTheKeyAndHeaderValues()
    {
        var llm = new LlmConfig
        {
            Id = "openai-main",
            BaseUrl = "http://127.0.0.1:5101/v1",
            ApiKey = "sk-live-0123456789abcdef",
            Headers = [new HeaderConfig { Name = "OpenAI-Organization", Value = "org-secret-42" }],
        };

        Assert.Multiple(() =>
        {
            Assert.That(llm.ToString(), Does.Contain("openai-main").And.Contain("***").And.Not.Contain("sk-live-0123456789abcdef"));
            Assert.That(llm.Headers[0].ToString(), Does.Contain("OpenAI-Organization").And.Not.Contain("org-secret-42"));
            Assert.That($"{llm}", Does.Not.Contain("sk-live"));
        });
    }

    [Test]
    public void ToString_WithoutKey_SaysNone() => Assert.That(new LlmConfig { Id = "local" }.ToString(), Does.Contain("(none)"));
}
