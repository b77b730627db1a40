using ModelRouter.Matching;

namespace ModelRouter.Tests.Matching;

public class GlobPatternTests
{
    [TestCase("claude-*", "claude-3-opus", true)]
    [TestCase("claude-*", "gpt-4", false)]
    [TestCase("*", "meta-llama/llama-3.1-8b", true)]
    [TestCase("gpt-4?", "gpt-4o", true)]
    [TestCase("gpt-4?", "gpt-4", false)]
    [TestCase("llama3.[0-9]:*", "llama3.1:8b", true)]
    [TestCase("*/llama-*", "meta-llama/llama-3.1-8b", true)]
    [TestCase("GPT-*", "gpt-4", false)]
    public void IsMatch_MatchesWholeName(string pattern, string model, bool expected)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.EqualTo(expected));
}
