using System.Net;
using System.Text.Json;

namespace ModelRouter.Testing;

/// <summary>Checks the OpenAI error envelope <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class ErrorEnvelope
{
    /// <summary>Checks the status, the JSON media type and the body of an error response; returns the error's fields.</summary>
    public static async Task<(string Message, string Type, string? Param, string? Code)> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        return AssertBody(text);
    }

    /// <summary>
    /// Checks an error body (or a stream's error event): exactly the four fields, a non-empty message and type, a string or
    /// null param and code, and no stack trace; returns the fields.
    /// </summary>
    public static (string Message, string Type, string? Param, string? Code) AssertBody(string text)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        Assert.That(root.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "error" }), text);
        var error = root.GetProperty("error");
        Assert.That(error.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(new[] { "message", "type", "param", "code" }), text);
        var message = error.GetProperty("message");
        var type = error.GetProperty("type");
        Assert.That(message.ValueKind, Is.EqualTo(JsonValueKind.String));
        Assert.That(message.GetString(), Is.Not.Empty);
        Assert.That(type.ValueKind, Is.EqualTo(JsonValueKind.String));
        Assert.That(type.GetString(), Is.Not.Empty);
        Assert.That(error.GetProperty("param").ValueKind, Is.AnyOf(JsonValueKind.String, JsonValueKind.Null));
        Assert.That(error.GetProperty("code").ValueKind, Is.AnyOf(JsonValueKind.String, JsonValueKind.Null));
        Assert.That(text, Does.Not.Contain("   at "), "no stack trace");
        return (message.GetString()!, type.GetString()!, error.GetProperty("param").GetString(), error.GetProperty("code").GetString());
    }
}
