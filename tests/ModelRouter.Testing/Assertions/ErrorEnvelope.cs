using System.Net;
using System.Text.Json;

namespace ModelRouter.Testing;

/// <summary>Checks the OpenAI error envelope <c>{"error":{"message","type","param","code"}}</c>.</summary>
internal static class ErrorEnvelope
{
    public static async Task<(string Message, string Type, string? Param, string? Code)> AssertAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
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
