using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ModelRouter.Testing;

/// <summary>What a fake vendor got: every header, the raw body and its parsed form, and the LLM name of a <c>/{name}/v1</c> path.</summary>
internal sealed record VendorRequest(IReadOnlyDictionary<string, string> Headers, string Body, JsonObject Json, string? Route = null, string Path = "")
{
    /// <summary>Gets a value indicating whether the request came to an embeddings path.</summary>
    public bool IsEmbeddings => Path.EndsWith("/embeddings", StringComparison.Ordinal);

    public string Model => Json["model"]!.GetValue<string>();

    public bool Stream => Json["stream"]?.GetValue<bool>() ?? false;

    /// <summary>Gets a value indicating whether the request asks for usage in its stream (<c>stream_options.include_usage</c>).</summary>
    public bool IncludeUsage => Json["stream_options"]?["include_usage"]?.GetValue<bool>() ?? false;

    public string LastUserText => Json["messages"]!.AsArray().Last(m => m!["role"]!.GetValue<string>() == "user")!["content"]!.GetValue<string>();
}

/// <summary>
/// A fake vendor on <see cref="LoopbackApp"/> (Kestrel at 127.0.0.1, a port of the system's choosing) speaking the vendors'
/// wire formats: OpenAI's <c>POST /v1/chat/completions</c> (also under <c>/{name}/v1</c>, one server for many LLMs), and
/// Anthropic's <c>POST /v1/messages</c> with <c>x-api-key</c> (or a bearer key) and <c>anthropic-version</c>, JSON messages,
/// and streams of <c>event:</c>/<c>data:</c> lines with <c>ping</c>; it answers Anthropic requests with a <c>tool_use</c>
/// when the request offers tools and carries no tool result yet, else with text.
/// </summary>
internal sealed partial class FakeVendor : IAsyncDisposable
{
    /// <summary>The key the Anthropic endpoint accepts.</summary>
    public const string AnthropicApiKey = "sk-ant-fake-key";

    /// <summary>The Anthropic endpoint's text answer.</summary>
    public const string AnthropicReply = "Hello from fake Claude ✓";

    private LoopbackApp _host = null!;
    private Func<HttpContext, VendorRequest, Task> _respond;

    private FakeVendor(string name)
    {
        Name = name;
        _respond = (context, request) => request.IsEmbeddings ? AnswerEmbeddingsAsync(context, request) : AnswerAsync(context, request, $"reply from {name}");
    }

    public string Name { get; }

    public int Port => _host.Port;

    /// <summary>Gets the base address, <c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri Address => _host.Address;

    /// <summary>Gets the OpenAI base URL, <c>http://127.0.0.1:PORT/v1</c>.</summary>
    public string BaseUrl => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/v1";

    /// <summary>Gets every request received, in order (Anthropic ones once their key and version passed).</summary>
    public ConcurrentQueue<VendorRequest> Requests { get; } = new();

    /// <summary>Gets how each accepted Anthropic request carried the key: <c>x-api-key</c> or <c>bearer</c>.</summary>
    public ConcurrentQueue<string> AuthSchemes { get; } = new();

    /// <summary>The OpenAI base URL of LLM <paramref name="name"/> on this server, <c>http://127.0.0.1:PORT/NAME/v1</c>.</summary>
    public string BaseUrlOf(string name) => new Uri(Address, $"/{name}/v1").ToString();

    /// <summary>Gets or sets how the vendor answers; the default is an OpenAI answer saying "reply from NAME".</summary>
    public Func<HttpContext, VendorRequest, Task> Respond
    {
        get => Volatile.Read(ref _respond);
        set => Volatile.Write(ref _respond, value);
    }

    public static async Task<FakeVendor> StartAsync(string name, Func<HttpContext, VendorRequest, Task>? respond = null)
    {
        var vendor = new FakeVendor(name);
        if (respond is not null)
        {
            vendor.Respond = respond;
        }

        vendor._host = await LoopbackApp.StartAsync(configure: null, map: app =>
        {
            app.MapPost("/v1/chat/completions", context => vendor.HandleOpenAIAsync(context, null));
            app.MapPost("/{name}/v1/chat/completions", context => vendor.HandleOpenAIAsync(context, (string)context.Request.RouteValues["name"]!));
            app.MapPost("/v1/messages", vendor.HandleAnthropicAsync);
            app.MapPost("/v1beta/models/{call}", vendor.HandleGeminiAsync);
            app.MapPost("/v1/embeddings", context => vendor.HandleOpenAIAsync(context, null));
            app.MapPost("/{name}/v1/embeddings", context => vendor.HandleOpenAIAsync(context, (string)context.Request.RouteValues["name"]!));
            app.MapPost("/model/{modelId}/{operation}", vendor.HandleBedrockAsync);
        });
        return vendor;
    }

    /// <summary>Answers in OpenAI's format saying <c>vendor NAME</c>, NAME from the <c>/{name}/v1</c> path.</summary>
    public static Task AnswerByRouteAsync(HttpContext context, VendorRequest request) => AnswerAsync(context, request, "vendor " + request.Route);

    /// <summary>The input tokens the OpenAI endpoint reports for a streamed answer (its output tokens: one per word).</summary>
    public const int StreamInputTokens = 7;

    /// <summary>
    /// Answers in OpenAI's format: a completion, or one event per word when the request asks for a stream, and then, as
    /// OpenAI does, a usage-only event before <c>[DONE]</c> only when the request asks for it (<c>stream_options.include_usage</c>).
    /// </summary>
    public static async Task AnswerAsync(HttpContext context, VendorRequest request, string reply)
    {
        SuiteWatch.NoteText(reply);
        if (!request.Stream)
        {
            await JsonAsync(context, StatusCodes.Status200OK, Completion(request.Model, reply));
            return;
        }

        await StartStreamAsync(context);
        foreach (var word in reply.Split(' '))
        {
            await WriteEventAsync(context, Chunk(request.Model, word + " ", null));
        }

        await WriteEventAsync(context, Chunk(request.Model, null, "stop"));
        if (request.IncludeUsage)
        {
            await WriteEventAsync(context, UsageChunk(request.Model, reply));
        }

        await WriteEventAsync(context, "[DONE]");
    }

    /// <summary>The usage-only event of a streamed <paramref name="reply"/>: no choices, <see cref="StreamInputTokens"/> in, a token per word out.</summary>
    public static string UsageChunk(string model, string reply)
    {
        var words = reply.Split(' ').Length;
        return new JsonObject
        {
            ["id"] = "chatcmpl-fake",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(),
            ["usage"] = new JsonObject { ["prompt_tokens"] = StreamInputTokens, ["completion_tokens"] = words, ["total_tokens"] = StreamInputTokens + words },
        }.ToJsonString();
    }

    /// <summary>
    /// Answers an embeddings request in OpenAI's format: one vector per input (a string or an array of them), of
    /// <c>dimensions</c> values (3 by default), input i's value j being <c>i + 1 + j / 10</c>; as base64 float32 when
    /// <c>encoding_format</c> is <c>base64</c>, else as numbers.
    /// </summary>
    public static Task AnswerEmbeddingsAsync(HttpContext context, VendorRequest request)
    {
        var input = request.Json["input"]!;
        var count = input is JsonArray array ? array.Count : 1;
        var dimensions = request.Json["dimensions"]?.GetValue<int>() ?? 3;
        var base64 = request.Json["encoding_format"]?.GetValue<string>() == "base64";
        var data = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var vector = Enumerable.Range(0, dimensions).Select(j => i + 1 + (j / 10f)).ToArray();
            JsonNode embedding = base64
                ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()))
                : new JsonArray([.. vector.Select(v => (JsonNode)v)]);
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }

        return JsonAsync(context, StatusCodes.Status200OK, new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = request.Model,
            ["usage"] = new JsonObject { ["prompt_tokens"] = 5, ["total_tokens"] = 5 },
        }.ToJsonString());
    }

    /// <summary>
    /// Answers in OpenAI's format as a model using tools would: with a call of <c>get_weather</c> (id <c>call_fake01</c>,
    /// arguments <c>{"city":"Paris"}</c>, after the text "Let me check.") when the request offers tools and has no tool
    /// result yet, else with <paramref name="reply"/>; streamed when asked, the arguments in two pieces.
    /// </summary>
    public static async Task AnswerWithToolsAsync(HttpContext context, VendorRequest request, string reply)
    {
        var answered = request.Json["messages"]!.AsArray().Any(m => m!["role"]!.GetValue<string>() == "tool");
        if (request.Json["tools"] is not JsonArray { Count: > 0 } || answered)
        {
            await AnswerAsync(context, request, reply);
            return;
        }

        JsonObject Call(string? id, string? name, string arguments)
        {
            var function = new JsonObject { ["arguments"] = arguments };
            if (name is not null)
            {
                function["name"] = name;
            }

            var call = new JsonObject { ["index"] = 0, ["function"] = function };
            if (id is not null)
            {
                call["id"] = id;
                call["type"] = "function";
            }

            return call;
        }

        if (!request.Stream)
        {
            var completion = JsonNode.Parse(Completion(request.Model, "Let me check."))!;
            var message = completion["choices"]![0]!["message"]!.AsObject();
            var call = Call("call_fake01", "get_weather", """{"city":"Paris"}""");
            call.Remove("index");
            message["tool_calls"] = new JsonArray(call);
            completion["choices"]![0]!["finish_reason"] = "tool_calls";
            completion["usage"] = new JsonObject { ["prompt_tokens"] = 30, ["completion_tokens"] = 12, ["total_tokens"] = 42 };
            await JsonAsync(context, StatusCodes.Status200OK, completion.ToJsonString());
            return;
        }

        await StartStreamAsync(context);
        await WriteEventAsync(context, Chunk(request.Model, "Let me check.", null));
        foreach (var (id, name, arguments) in new (string? Id, string? Name, string Arguments)[] { ("call_fake01", "get_weather", ""), (null, null, "{\"city\":"), (null, null, "\"Paris\"}") })
        {
            var chunk = JsonNode.Parse(Chunk(request.Model, null, null))!;
            chunk["choices"]![0]!["delta"] = new JsonObject { ["tool_calls"] = new JsonArray(Call(id, name, arguments)) };
            await WriteEventAsync(context, chunk.ToJsonString());
        }

        await WriteEventAsync(context, Chunk(request.Model, null, "tool_calls"));
        var usage = JsonNode.Parse(Chunk(request.Model, null, null))!;
        usage["choices"] = new JsonArray();
        usage["usage"] = new JsonObject { ["prompt_tokens"] = 30, ["completion_tokens"] = 12, ["total_tokens"] = 42 };
        await WriteEventAsync(context, usage.ToJsonString());
        await WriteEventAsync(context, "[DONE]");
    }

    /// <summary>The stream <see cref="AnswerAsync"/> sends, as one text: an event per word, a stop event and <c>[DONE]</c>.</summary>
    public static string Events(string model, string reply)
    {
        var sse = new StringBuilder();
        foreach (var word in reply.Split(' '))
        {
            sse.Append("data: ").Append(Chunk(model, word + " ", null)).Append("\n\n");
        }

        return sse.Append("data: ").Append(Chunk(model, null, "stop")).Append("\n\ndata: [DONE]\n\n").ToString();
    }

    public static async Task JsonAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json, context.RequestAborted);
    }

    public static async Task StartStreamAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        await context.Response.StartAsync(context.RequestAborted);
    }

    public static async Task WriteEventAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync("data: " + data + "\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static string Completion(string model, string reply) => new JsonObject
    {
        ["id"] = "chatcmpl-fake",
        ["object"] = "chat.completion",
        ["created"] = 1_700_000_000,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = reply },
            ["finish_reason"] = "stop",
        }),
        ["usage"] = new JsonObject { ["prompt_tokens"] = 1, ["completion_tokens"] = 1, ["total_tokens"] = 2 },
    }.ToJsonString();

    public static string Chunk(string model, string? content, string? finishReason) => new JsonObject
    {
        ["id"] = "chatcmpl-fake",
        ["object"] = "chat.completion.chunk",
        ["created"] = 1_700_000_000,
        ["model"] = model,
        ["choices"] = new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = content is null ? new JsonObject() : new JsonObject { ["content"] = content },
            ["finish_reason"] = finishReason,
        }),
    }.ToJsonString();

    public static string Error(string message, string type, string? param, string? code)
        => JsonSerializer.Serialize(new { error = new { message, type, param, code } });

    /// <summary>Reads a JSON property of a request the fake received, by a dotted path (<c>messages.1.role</c>); strings unquoted.</summary>
    public static string? Get(VendorRequest request, string path)
    {
        JsonNode? current = request.Json;
        foreach (var part in path.Split('.'))
        {
            current = int.TryParse(part, out var index) ? current?[index] : current?[part];
        }

        return current?.GetValueKind() == JsonValueKind.String ? current.GetValue<string>() : current?.ToJsonString();
    }

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static async Task<VendorRequest> ReadAsync(HttpContext context, string? route)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new VendorRequest(headers, body, JsonNode.Parse(body)!.AsObject(), route, context.Request.Path.Value ?? "");
        foreach (var message in request.Json["messages"] as JsonArray ?? [])
        {
            if (message is JsonObject { } turn && turn["role"]?.ToString() == "user" && turn["content"] is JsonValue content && content.TryGetValue<string>(out var text))
            {
                SuiteWatch.NoteText(text);
            }
        }

        return request;
    }

    private async Task HandleOpenAIAsync(HttpContext context, string? route)
    {
        var request = await ReadAsync(context, route);
        Requests.Enqueue(request);
        await Respond(context, request);
    }
    private async Task HandleAnthropicAsync(HttpContext context)
    {
        // The API takes the key as x-api-key (what the router sends) or as a bearer token (what the SDK sends).
        var byApiKey = context.Request.Headers["x-api-key"] == AnthropicApiKey;
        if (!byApiKey && context.Request.Headers.Authorization != "Bearer " + AnthropicApiKey)
        {
            await WriteAnthropicErrorAsync(context, 401, "authentication_error", "invalid x-api-key");
            return;
        }

        AuthSchemes.Enqueue(byApiKey ? "x-api-key" : "bearer");
        if (string.IsNullOrEmpty(context.Request.Headers["anthropic-version"]))
        {
            await WriteAnthropicErrorAsync(context, 400, "invalid_request_error", "anthropic-version: header is required");
            return;
        }

        var request = await ReadAsync(context, null);
        Requests.Enqueue(request);
        var body = request.Json;
        if (body["max_tokens"] is null || body["messages"] is not JsonArray messages || messages.Count == 0)
        {
            await WriteAnthropicErrorAsync(context, 400, "invalid_request_error", "max_tokens: Field required");
            return;
        }

        var model = body["model"]!.GetValue<string>();
        var last = messages[^1]!;
        var hasToolResult = last["content"] is JsonArray blocks && blocks.Any(b => b?["type"]?.GetValue<string>() == "tool_result");
        var useTool = (body["tools"] is JsonArray { Count: > 0 } && !hasToolResult) || last.ToJsonString().Contains("[tool]", StringComparison.Ordinal);
        var stream = body["stream"]?.GetValue<bool>() == true;
        if (stream)
        {
            await WriteAnthropicStreamAsync(context, model, useTool);
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(AnthropicMessage(model, useTool).ToJsonString());
        }
    }

    private static JsonObject AnthropicMessage(string model, bool useTool) => new()
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
            : new JsonArray(new JsonObject { ["type"] = "text", ["text"] = AnthropicReply }),
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

    private static async Task WriteAnthropicStreamAsync(HttpContext context, string model, bool useTool)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        context.Response.Headers.CacheControl = "no-cache";
        var start = AnthropicMessage(model, false);
        start["content"] = new JsonArray();
        start["stop_reason"] = null;
        start["usage"] = Usage(21, 1);
        await SendAnthropicEventAsync(context, "message_start", new JsonObject { ["type"] = "message_start", ["message"] = start });
        await SendAnthropicEventAsync(context, "content_block_start", new JsonObject
        {
            ["type"] = "content_block_start", ["index"] = 0, ["content_block"] = new JsonObject { ["type"] = "text", ["text"] = "" },
        });
        await SendAnthropicEventAsync(context, "ping", new JsonObject { ["type"] = "ping" });
        var text = useTool ? "Let me check." : AnthropicReply;
        foreach (var piece in new[] { text[..5], text[5..] })
        {
            await SendAnthropicEventAsync(context, "content_block_delta", new JsonObject
            {
                ["type"] = "content_block_delta", ["index"] = 0, ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = piece },
            });
        }

        await SendAnthropicEventAsync(context, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 0 });
        if (useTool)
        {
            await SendAnthropicEventAsync(context, "content_block_start", new JsonObject
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
                await SendAnthropicEventAsync(context, "content_block_delta", new JsonObject
                {
                    ["type"] = "content_block_delta", ["index"] = 1, ["delta"] = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = fragment },
                });
            }

            await SendAnthropicEventAsync(context, "content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = 1 });
        }

        await SendAnthropicEventAsync(context, "message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = useTool ? "tool_use" : "end_turn", ["stop_sequence"] = null },
            ["usage"] = new JsonObject { ["output_tokens"] = 9 },
        });
        await SendAnthropicEventAsync(context, "message_stop", new JsonObject { ["type"] = "message_stop" });
    }

    private static async Task SendAnthropicEventAsync(HttpContext context, string eventName, JsonObject data)
    {
        await context.Response.WriteAsync($"event: {eventName}\ndata: {data.ToJsonString()}\n\n", Encoding.UTF8);
        await context.Response.Body.FlushAsync();
    }

    private static async Task WriteAnthropicErrorAsync(HttpContext context, int status, string type, string message)
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
}
