using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ModelRouter.IntegrationTests.AnthropicProvider;

/// <summary>
/// A fake Anthropic Messages API on loopback speaking the real wire format: <c>POST /v1/messages</c> with
/// <c>x-api-key</c> (or a bearer key) and <c>anthropic-version</c>, JSON messages, and streams of <c>event:</c>/<c>data:</c> lines with
/// <c>ping</c>. It answers with a <c>tool_use</c> when the request offers tools and carries no tool result yet, else text.
/// </summary>
internal sealed class FakeAnthropicVendor : IAsyncDisposable
{
    public const string ApiKey = "sk-ant-fake-key";
    public const string Reply = "Hello from fake Claude ✓";

    private ProviderLoopback? _host;

    /// <summary>Gets every request body received, in order.</summary>
    public ConcurrentQueue<JsonNode> Requests { get; } = new();

    /// <summary>Gets how each accepted request carried the key: <c>x-api-key</c> or <c>bearer</c>.</summary>
    public ConcurrentQueue<string> AuthSchemes { get; } = new();

    public Uri Address => _host!.Address;

    public static async Task<FakeAnthropicVendor> StartAsync()
    {
        var fake = new FakeAnthropicVendor();
        fake._host = await ProviderLoopback.StartAsync(_ => { }, app => app.MapPost("/v1/messages", fake.HandleAsync));
        return fake;
    }

    public ValueTask DisposeAsync() => _host?.DisposeAsync() ?? ValueTask.CompletedTask;

    private async Task HandleAsync(HttpContext context)
    {
        // The API takes the key as x-api-key (what the router sends) or as a bearer token (what the SDK sends).
        var byApiKey = context.Request.Headers["x-api-key"] == ApiKey;
        if (!byApiKey && context.Request.Headers.Authorization != "Bearer " + ApiKey)
        {
            await WriteErrorAsync(context, 401, "authentication_error", "invalid x-api-key");
            return;
        }

        AuthSchemes.Enqueue(byApiKey ? "x-api-key" : "bearer");
        if (string.IsNullOrEmpty(context.Request.Headers["anthropic-version"]))
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", "anthropic-version: header is required");
            return;
        }

        var body = await JsonNode.ParseAsync(context.Request.Body);
        Requests.Enqueue(body!);
        if (body!["max_tokens"] is null || body["messages"] is not JsonArray messages || messages.Count == 0)
        {
            await WriteErrorAsync(context, 400, "invalid_request_error", "max_tokens: Field required");
            return;
        }

        var model = body["model"]!.GetValue<string>();
        var last = messages[^1]!;
        var hasToolResult = last["content"] is JsonArray blocks && blocks.Any(b => b?["type"]?.GetValue<string>() == "tool_result");
        var useTool = (body["tools"] is JsonArray { Count: > 0 } && !hasToolResult) || last.ToJsonString().Contains("[tool]", StringComparison.Ordinal);
        var stream = body["stream"]?.GetValue<bool>() == true;
        if (stream)
        {
            await WriteStreamAsync(context, model, useTool);
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Message(model, useTool).ToJsonString());
        }
    }

    private static JsonObject Message(string model, bool useTool) => new()
    {
        ["id"] = "msg_fake01",
        ["type"] = "message",
        ["role"] = "assistant",
        ["model"] = model,
        ["content"] = useTool
            ? new JsonArray(
                new JsonObject { ["type"] = "text", ["text"] = "Let me check." },
                new JsonObject
                {
                    ["type"] = "tool_use", ["id"] = "toolu_fake01", ["name"] = "get_weather", ["input"] = new JsonObject { ["city"] = "Paris" },
                    ["caller"] = new JsonObject { ["type"] = "direct" },
                })
            : new JsonArray(new JsonObject { ["type"] = "text", ["text"] = Reply }),
        ["stop_reason"] = useTool ? "tool_use" : "end_turn",
        ["stop_sequence"] = null,
        ["usage"] = Usage(21, 9),
    };

    private static JsonObject Usage(int input, int output) => new()
    {
        ["input_tokens"] = input,
        ["cache_creation_input_tokens"] = 0,
        ["cache_read_input_tokens"] = 0,
        ["output_tokens"] = output,
        ["service_tier"] = "standard",
    };

    private static async Task WriteStreamAsync(HttpContext context, string model, bool useTool)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        var start = Message(model, false);
        start["content"] = new JsonArray();
        start["stop_reason"] = null;
        start["usage"] = Usage(21, 1);
        await SendAsync(context, "message_start", new JsonObject { ["type"] = "message_start", ["message"] = start });
        await SendAsync(context, "content_block_start", new JsonObject
        {
            ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" },
        });
        await SendAsync(context, "ping", new JsonObject { ["type"] = "ping" });
        var text = useTool ? "Let me check." : Reply;
        foreach (var piece in new[] { text[..5], text[5..] })
        {
            await SendAsync(context, "content_block_delta", new JsonObject
            {
                ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece },
            });
        }

        await SendAsync(context, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 });
        if (useTool)
        {
            await SendAsync(context, "content_block_start", new JsonObject
            {
                ["type"] = "content_block_start", ["index"] = 1,
                ["content_block"] = new JsonObject
                {
                    ["type"] = "tool_use", ["id"] = "toolu_fake01", ["name"] = "get_weather", ["input"] = new JsonObject(),
                    ["caller"] = new JsonObject { ["type"] = "direct" },
                },
            });
            foreach (var fragment in new[] { "", "{\"city\": ", "\"Paris\"}" })
            {
                await SendAsync(context, "content_block_delta", new JsonObject
                {
                    ["type"] = "content_block_delta", ["index"] = 1, ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = fragment },
                });
            }

            await SendAsync(context, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 1 });
        }

        await SendAsync(context, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = useTool ? "tool_use" : "end_turn", ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = 9 },
        });
        await SendAsync(context, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static async Task SendAsync(HttpContext context, string eventName, JsonObject data)
    {
        await context.Response.WriteAsync($"event: {eventName}\ndata: {data.ToJsonString()}\n\n", Encoding.UTF8);
        await context.Response.Body.FlushAsync();
    }

    private static async Task WriteErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var error = new JsonObject
        {
            ["type"] = "error",
            ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
            ["request_id"] = "req_fake01",
        };
        await context.Response.WriteAsync(error.ToJsonString());
    }

    /// <summary>Reads a JSON string property of a request the fake received.</summary>
    public static string? Get(JsonNode node, string path)
    {
        JsonNode? current = node;
        foreach (var part in path.Split('.'))
        {
            current = int.TryParse(part, out var index) ? current?[index] : current?[part];
        }

        return current?.GetValueKind() == JsonValueKind.String ? current.GetValue<string>() : current?.ToJsonString();
    }
}
