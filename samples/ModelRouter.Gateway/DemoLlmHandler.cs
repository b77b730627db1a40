using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ModelRouter.Gateway;

/// <summary>
/// An in-process fake LLM for the demo configuration: requests to any host under <c>demo.localhost</c> are answered here
/// in OpenAI's chat completion format, streaming included; every other request goes on to the network as usual.
/// </summary>
internal sealed class DemoLlmHandler : DelegatingHandler
{
    private const string DemoDomain = ".demo.localhost";

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri;
        if (uri is null || !uri.Host.EndsWith(DemoDomain, StringComparison.OrdinalIgnoreCase))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        var vendor = uri.Host[..^DemoDomain.Length];
        if (request.Method != HttpMethod.Post || !uri.AbsolutePath.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            return Json(HttpStatusCode.NotFound, """{"error":{"message":"The demo vendor only serves POST /chat/completions.","type":"invalid_request_error","param":null,"code":"not_found"}}""");
        }

        var body = request.Content is null ? null : JsonNode.Parse(await request.Content.ReadAsStringAsync(cancellationToken));
        var model = body?["model"]?.GetValue<string>() ?? "demo";
        var stream = body?["stream"]?.GetValue<bool>() ?? false;
        var prompt = LastUserText(body?["messages"] as JsonArray);
        var reply = $"Hello from the ModelRouter demo vendor '{vendor}' as model '{model}'. You said: {prompt}";
        var id = "chatcmpl-demo-" + Guid.NewGuid().ToString("N")[..12];
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return stream ? Stream(id, created, model, reply) : Complete(id, created, model, reply, prompt);
    }

    private static HttpResponseMessage Complete(string id, long created, string model, string reply, string prompt)
    {
        var promptTokens = CountTokens(prompt);
        var completionTokens = CountTokens(reply);
        var json = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        };
        return Json(HttpStatusCode.OK, json.ToJsonString(s_relaxed));
    }

    private static HttpResponseMessage Stream(string id, long created, string model, string reply)
    {
        var sse = new StringBuilder();
        void Chunk(JsonObject delta, string? finish)
        {
            var chunk = new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion.chunk",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
            };
            sse.Append("data: ").Append(chunk.ToJsonString(s_relaxed)).Append("\n\n");
        }

        Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null);
        foreach (var word in reply.Split(' '))
        {
            Chunk(new JsonObject { ["content"] = word + " " }, null);
        }

        Chunk([], "stop");
        sse.Append("data: [DONE]\n\n");
        return new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent(sse.ToString(), Encoding.UTF8, "text/event-stream"),
        };
    }

    private static string LastUserText(JsonArray? messages)
    {
        if (messages is null)
        {
            return "";
        }

        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i]?["role"]?.GetValue<string>() == "user")
            {
                var content = messages[i]?["content"];
                return content?.GetValueKind() == JsonValueKind.String
                    ? content.GetValue<string>()
                    : string.Join(" ", (content as JsonArray ?? []).Select(p => p?["text"]?.GetValue<string>()).OfType<string>());
            }
        }

        return "";
    }

    private static int CountTokens(string text) => Math.Max(1, text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

    private static readonly JsonSerializerOptions s_relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static HttpResponseMessage Json(HttpStatusCode status, string json)
        => new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
}
