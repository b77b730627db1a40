using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ModelRouter.Testing;

/// <summary>
/// Google's Gemini API on the fake vendor: <c>POST /v1beta/models/{model}:generateContent</c> and
/// <c>:streamGenerateContent?alt=sse</c> with <c>x-goog-api-key</c>, in the wire format of Google's API reference: a
/// <c>GenerateContentResponse</c> (candidates, usageMetadata, modelVersion, responseId), a stream of such responses as
/// <c>data:</c> lines apart by CRLF pairs with no end event, and errors as <c>{"error":{"code","message","status"}}</c>.
/// It answers with a <c>functionCall</c> when the request declares functions and its last turn holds no
/// <c>functionResponse</c>, else with text.
/// </summary>
internal sealed partial class FakeVendor
{
    /// <summary>The key the Gemini endpoint accepts.</summary>
    public const string GeminiApiKey = "AIza-fake-gemini-key-0123456789";

    /// <summary>The Gemini endpoint's text answer.</summary>
    public const string GeminiReply = "Hello from fake Gemini ✓";

    /// <summary>Gets the model and method of every accepted Gemini request (<c>gemini-x:generateContent</c>), and its query.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> GeminiCalls { get; } = new();

    private async Task HandleGeminiAsync(HttpContext context)
    {
        var call = (string)context.Request.RouteValues["call"]!;
        if (context.Request.Query.ContainsKey("key"))
        {
            await WriteGoogleErrorAsync(context, 400, "INVALID_ARGUMENT", "The router must not send the key in the URL.");
            return;
        }

        if (context.Request.Headers["x-goog-api-key"] != GeminiApiKey)
        {
            await WriteGoogleErrorAsync(context, 400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.");
            return;
        }

        var colon = call.LastIndexOf(':');
        var model = colon < 0 ? call : call[..colon];
        var method = colon < 0 ? "" : call[(colon + 1)..];
        var stream = method == "streamGenerateContent";
        if ((method != "generateContent" && !stream) || (stream && context.Request.Query["alt"] != "sse"))
        {
            await WriteGoogleErrorAsync(context, 404, "NOT_FOUND", $"Method {method} not found, or a stream without alt=sse.");
            return;
        }

        GeminiCalls.Enqueue(call + context.Request.QueryString);
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        var body = JsonNode.Parse(text)!.AsObject();
        Requests.Enqueue(new VendorRequest(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), text, body));
        if (body["contents"] is not JsonArray { Count: > 0 } contents)
        {
            await WriteGoogleErrorAsync(context, 400, "INVALID_ARGUMENT", "* GenerateContentRequest.contents: contents is not specified");
            return;
        }

        var last = contents[^1]!["parts"]!.AsArray();
        var useTool = body["tools"] is JsonArray { Count: > 0 } && !last.Any(p => p?["functionResponse"] is not null);
        if (!stream)
        {
            context.Response.ContentType = "application/json; charset=UTF-8";
            await context.Response.WriteAsync(GeminiResponse(model, useTool ? [Part("Let me check."), WeatherCall()] : [Part(GeminiReply)], "STOP", 12, 7).ToJsonString());
            return;
        }

        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(context.RequestAborted);
        var pieces = useTool ? new[] { "Let me check." } : [GeminiReply[..6], GeminiReply[6..]];
        for (var i = 0; i < pieces.Length; i++)
        {
            await SendGeminiEventAsync(context, GeminiResponse(model, [Part(pieces[i])], null, 12, i + 1));
        }

        await SendGeminiEventAsync(context, GeminiResponse(model, useTool ? [WeatherCall()] : [Part("")], "STOP", 12, 7));
    }

    private static JsonObject Part(string text) => new() { ["text"] = text };

    private static JsonObject WeatherCall() => new() { ["functionCall"] = new JsonObject { ["name"] = "get_weather", ["args"] = new JsonObject { ["city"] = "Paris" } } };

    private static JsonObject GeminiResponse(string model, JsonObject[] parts, string? finishReason, int prompt, int candidates)
    {
        var candidate = new JsonObject { ["content"] = new JsonObject { ["parts"] = new JsonArray(parts), ["role"] = "model" }, ["index"] = 0 };
        if (finishReason is not null)
        {
            candidate["finishReason"] = finishReason;
        }

        return new JsonObject
        {
            ["candidates"] = new JsonArray(candidate),
            ["usageMetadata"] = new JsonObject { ["promptTokenCount"] = prompt, ["candidatesTokenCount"] = candidates, ["totalTokenCount"] = prompt + candidates },
            ["modelVersion"] = model,
            ["responseId"] = "fake-gemini-response-1",
        };
    }

    private static async Task SendGeminiEventAsync(HttpContext context, JsonObject data)
    {
        await context.Response.WriteAsync("data: " + data.ToJsonString() + "\r\n\r\n", Encoding.UTF8);
        await context.Response.Body.FlushAsync();
    }

    private static async Task WriteGoogleErrorAsync(HttpContext context, int status, string googleStatus, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=UTF-8";
        var error = new JsonObject { ["error"] = new JsonObject { ["code"] = status, ["message"] = message, ["status"] = googleStatus } };
        await context.Response.WriteAsync(error.ToJsonString());
    }
}
