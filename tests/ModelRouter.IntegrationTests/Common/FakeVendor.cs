using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ModelRouter.IntegrationTests.Common;

/// <summary>What a fake vendor got: every header, the raw body and its parsed form.</summary>
internal sealed record VendorRequest(IReadOnlyDictionary<string, string> Headers, string Body, JsonObject Json)
{
    public string Model => Json["model"]!.GetValue<string>();

    public bool Stream => Json["stream"]?.GetValue<bool>() ?? false;

    public string LastUserText => Json["messages"]!.AsArray().Last(m => m!["role"]!.GetValue<string>() == "user")!["content"]!.GetValue<string>();
}

/// <summary>A tiny OpenAI-compatible vendor: a minimal-API app on Kestrel at 127.0.0.1 and a port of the system's choosing.</summary>
internal sealed class FakeVendor : IAsyncDisposable
{
    private readonly WebApplication _app;
    private Func<HttpContext, VendorRequest, Task> _respond;

    private FakeVendor(string name, WebApplication app)
    {
        Name = name;
        _app = app;
        _respond = (context, request) => AnswerAsync(context, request, $"reply from {name}");
    }

    public string Name { get; }

    public int Port { get; private set; }

    public string BaseUrl => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/v1";

    public ConcurrentQueue<VendorRequest> Requests { get; } = new();

    /// <summary>Gets or sets how the vendor answers; the default is an OpenAI answer saying "reply from NAME".</summary>
    public Func<HttpContext, VendorRequest, Task> Respond
    {
        get => Volatile.Read(ref _respond);
        set => Volatile.Write(ref _respond, value);
    }

    public static async Task<FakeVendor> StartAsync(string name, Func<HttpContext, VendorRequest, Task>? respond = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var vendor = new FakeVendor(name, app);
        if (respond is not null)
        {
            vendor.Respond = respond;
        }

        app.MapPost("/v1/chat/completions", async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var request = new VendorRequest(headers, body, JsonNode.Parse(body)!.AsObject());
            vendor.Requests.Enqueue(request);
            await vendor.Respond(context, request);
        });
        await app.StartAsync();
        vendor.Port = ListeningPort(app);
        return vendor;
    }

    public static int ListeningPort(WebApplication app)
    {
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        var uri = new Uri(address);
        Assert.That(uri.Host, Is.EqualTo("127.0.0.1"), "loopback only");
        return uri.Port;
    }

    /// <summary>Answers in OpenAI's format: a completion, or one event per word when the request asks for a stream.</summary>
    public static async Task AnswerAsync(HttpContext context, VendorRequest request, string reply)
    {
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
        await WriteEventAsync(context, "[DONE]");
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

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
