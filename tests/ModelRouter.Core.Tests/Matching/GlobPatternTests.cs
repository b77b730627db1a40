using ModelRouter.Model;

namespace ModelRouter.Tests.Matching;

public class GlobPatternTests
{
    [TestCase("claude-*", "claude-3-opus", true)]
    [TestCase("claude-*", "gpt-4", false)]
    [TestCase("*", "meta-llama/llama-3.1-8b", true)]
    [TestCase("*", "", true)]
    [TestCase("gpt-4?", "gpt-4o", true)]
    [TestCase("gpt-4?", "gpt-4", false)]
    [TestCase("gpt-4?", "gpt-4oo", false)]
    [TestCase("llama3.[0-9]:*", "llama3.1:8b", true)]
    [TestCase("*/llama-*", "meta-llama/llama-3.1-8b", true)]
    [TestCase("GPT-*", "gpt-4", false)]
    public void IsMatch_MatchesWholeName(string pattern, string model, bool expected)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.EqualTo(expected));

    [TestCase("meta-*", "meta-llama/llama-3.1-8b", true)]
    [TestCase("a*b", "a/x/y/b", true)]
    [TestCase("*-8b", "meta-llama/llama-3.1-8b", true)]
    [TestCase("*llama*", "meta-llama/llama-3.1-8b", true)]
    [TestCase("a*b*c", "a-b-b-c", true)]
    [TestCase("a*b*c", "a-b-b-c-d", false)]
    [TestCase("a**b", "ab", true)]
    [TestCase("*a", "ab", false)]
    [TestCase("*ab", "aab", true)]
    [TestCase("*?", "", false)]
    [TestCase("*?", "x", true)]
    public void IsMatch_Star_MatchesAnyRunIncludingSlash(string pattern, string model, bool expected)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.EqualTo(expected));

    [TestCase("gpt-?", "gpt-4", true)]
    [TestCase("gpt-?", "gpt-", false)]
    [TestCase("gpt-?", "gpt-40", false)]
    [TestCase("a?c", "a/c", true)]
    [TestCase("??", "ab", true)]
    [TestCase("??", "a", false)]
    public void IsMatch_QuestionMark_MatchesExactlyOneCharacter(string pattern, string model, bool expected)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.EqualTo(expected));

    [TestCase("gpt-[34]", "gpt-3", true)]
    [TestCase("gpt-[34]", "gpt-4", true)]
    [TestCase("gpt-[34]", "gpt-5", false)]
    [TestCase("[a-z]x", "mx", true)]
    [TestCase("[a-z]x", "Mx", false)]
    [TestCase("[a-z]x", "x", false)]
    [TestCase("[!a-z]x", "Mx", true)]
    [TestCase("[!a-z]x", "mx", false)]
    [TestCase("[!a-z]", "", false)]
    [TestCase("[^0-9]", "a", true)]
    [TestCase("[^0-9]", "5", false)]
    [TestCase("[a-cx-z]", "y", true)]
    [TestCase("[a-cx-z]", "m", false)]
    [TestCase("[]]", "]", true)]
    [TestCase("[a-]", "-", true)]
    [TestCase("[\\]]", "]", true)]
    [TestCase("v[0-9][0-9]", "v42", true)]
    [TestCase("v[0-9][0-9]", "v4", false)]
    public void IsMatch_Class_MatchesOneCharacterOfOrNotOfTheClass(string pattern, string model, bool expected)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.EqualTo(expected));

    [TestCase("gpt-\\*", "gpt-*", true)]
    [TestCase("gpt-\\*", "gpt-4", false)]
    [TestCase("a\\?", "a?", true)]
    [TestCase("a\\?", "ab", false)]
    [TestCase("a\\[b\\]", "a[b]", true)]
    [TestCase("a\\[b\\]", "ab", false)]
    [TestCase("a\\\\b", "a\\b", true)]
    [TestCase("\\x*", "xyz", true)]
    public void IsMatch_Escape_MatchesTheNextCharacterLiterally(string pattern, string model, bool expected)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.EqualTo(expected));

    [TestCase("gpt-4", "gpt-4o", false)]
    [TestCase("gpt-4", "xgpt-4", false)]
    [TestCase("gpt-4", "gpt-4", true)]
    [TestCase("gpt-?o", "gpt-4o-mini", false)]
    [TestCase("*-mini", "gpt-4o-mini-2024", false)]
    [TestCase("[g]pt", "gpt-4", false)]
    public void IsMatch_PartialName_DoesNotMatch(string pattern, string model, bool expected)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.EqualTo(expected));

    [TestCase("gpt-4o", "GPT-4o")]
    [TestCase("claude-*", "Claude-3")]
    [TestCase("[a-z]", "A")]
    [TestCase("?pt-4", "GPT-4")]
    public void IsMatch_DifferentCase_DoesNotMatch(string pattern, string model)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.False);

    // The model name is text: metacharacters in it are never interpreted.
    [TestCase("gpt-4", "gpt-*", false)]
    [TestCase("gpt-40", "gpt-4?", false)]
    [TestCase("ab", "a[b]", false)]
    [TestCase("a[b]", "a[b]", false)]
    [TestCase("a[b]", "ab", true)]
    [TestCase("a\\[b\\]", "a[b]", true)]
    [TestCase("gpt-*", "gpt-*", true)]
    [TestCase("gpt-\\*", "gpt-*", true)]
    [TestCase("gpt-?", "gpt-*", true)]
    [TestCase("*", "[!a-z]*?\\", true)]
    [TestCase("x*", "x\\", true)]
    public void IsMatch_ModelWithMetacharacters_IsMatchedAsText(string pattern, string model, bool expected)
        => Assert.That(GlobPattern.Parse(pattern).IsMatch(model), Is.EqualTo(expected));

    [TestCase("", "empty")]
    [TestCase(null, "empty")]
    [TestCase("gpt-\\", "escape")]
    [TestCase("gpt-[0-9", "never closed")]
    [TestCase("[", "never closed")]
    [TestCase("[!", "never closed")]
    [TestCase("[]", "never closed")]
    [TestCase("gpt-]", "unexpected ']'")]
    [TestCase("[z-a]", "reversed range")]
    public void TryParse_InvalidPattern_ReturnsFalseWithReason(string? pattern, string reason)
    {
        var ok = GlobPattern.TryParse(pattern, out var glob, out var error);

        Assert.Multiple(() =>
        {
            Assert.That(ok, Is.False);
            Assert.That(glob, Is.Null);
            Assert.That(error, Does.Contain(reason));
        });
    }

    [TestCase("*")]
    [TestCase("gpt-4")]
    [TestCase("a\\]")]
    [TestCase("[a-z]*[!0-9]?")]
    public void TryParse_ValidPattern_ReturnsGlobWithoutError(string pattern)
    {
        var ok = GlobPattern.TryParse(pattern, out var glob, out var error);

        Assert.Multiple(() =>
        {
            Assert.That(ok, Is.True);
            Assert.That(error, Is.Null);
            Assert.That(glob!.Pattern, Is.EqualTo(pattern));
            Assert.That(glob.ToString(), Is.EqualTo(pattern));
        });
    }

    [Test]
    public void Parse_InvalidPattern_ThrowsFormatExceptionNamingPatternAndReason()
        => Assert.That(() => GlobPattern.Parse("a[b"), Throws.TypeOf<FormatException>().With.Message.Contains("a[b").And.Message.Contains("never closed"));

    [Test]
    public void IsMatch_PathologicalBacktracking_CompletesWithCorrectAnswer()
    {
        var glob = GlobPattern.Parse("*a*a*a*a*a*a*a*b");
        var text = new string('a', 5_000);

        Assert.That(glob.IsMatch(text), Is.False);
        Assert.That(glob.IsMatch(text + "b"), Is.True);
    }
}
