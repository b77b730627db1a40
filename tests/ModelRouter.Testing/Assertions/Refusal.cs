using System.Text.Json;

namespace ModelRouter.Testing;

/// <summary>
/// Checks that a hostile request was answered as it should be: a status from the expected set, never a bare 500, and
/// for a refusal the right envelope (the OpenAI error on the chat endpoint, problem+json on the admin API), short, with no
/// stack trace or exception type.
/// </summary>
internal static class Refusal
{
    /// <summary>The longest error body a refusal may have: a refusal quotes nothing the client sent at length.</summary>
    public const int MaxErrorBodyBytes = 8 * 1024;

    /// <summary>Checks a chat endpoint answer.</summary>
    public static void AssertChat(int status, string? contentType, string body, IReadOnlyCollection<int> allowed, string because)
    {
        Assert.That(status, Is.AnyOf([.. allowed.Cast<object>()]), $"{because}: {Cut(body)}");
        if (status < 400)
        {
            return;
        }

        Assert.That(contentType, Does.StartWith("application/json"), because);
        Assert.That(body.Length, Is.LessThanOrEqualTo(MaxErrorBodyBytes), because);
        ErrorEnvelope.AssertBody(body);
        Assert.That(body, Does.Not.Contain("Exception"), because);
    }

    /// <summary>Checks an admin API answer.</summary>
    public static void AssertAdmin(int status, string? contentType, string body, IReadOnlyCollection<int> allowed, string because)
    {
        Assert.That(status, Is.AnyOf([.. allowed.Cast<object>()]), $"{because}: {Cut(body)}");
        if (status < 400)
        {
            return;
        }

        Assert.That(contentType, Does.StartWith("application/problem+json"), because);
        Assert.That(body.Length, Is.LessThanOrEqualTo(MaxErrorBodyBytes), because);
        using var document = JsonDocument.Parse(body);
        Assert.That(document.RootElement.GetProperty("status").GetInt32(), Is.EqualTo(status), because);
        Assert.That(document.RootElement.GetProperty("title").GetString(), Is.Not.Empty, because);
        Assert.That(body, Does.Not.Contain("   at ").And.Not.Contain("Exception"), because);
    }

    private static string Cut(string text) => text.Length > 300 ? text[..300] + "…" : text;
}
