using System.ClientModel;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Diagnostics;
using ModelRouter.Extensions.AI;
using ModelRouter.Routing;
using OpenAI.Chat;
using MeaiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using OpenAIChatMessage = OpenAI.Chat.ChatMessage;

namespace ModelRouter.IntegrationTests.Faces;

/// <summary>
/// One list of routing scenarios, run through both faces of one router: the HTTP endpoint (the official OpenAI SDK over
/// loopback Kestrel) and the in-process <see cref="IChatClient"/> (<c>AsIChatClient</c>). Each face has its own routers
/// and LLMs (same fake vendors, names ending in <c>-http</c> or <c>-mem</c>) so that neither face's round-robin turns,
/// cooldowns or breakers touch the other's; each scenario expects the same answer, served LLM, attempts and tokens of both.
/// </summary>
[TestFixture]
public sealed class RoutingFacesMatrixTests
{
    private const string AppKey = "faces-app-key-1";
    private const string Prompt = "What is the weather?";
    private const string ToolParameters = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
    private static readonly string[] s_faces = ["http", "mem"];

    private readonly RecordingObserver _observer = new();
    private FakeVendor _vendor = null!;
    private RouterHost _router = null!;

    /// <summary>What a face returned: the status (200 or the error's), the text, the first tool call, the tokens.</summary>
    public sealed record Outcome(int Status, string Text, string? Tool, string? ToolArguments, long? InputTokens, long? OutputTokens);

    /// <summary>A request to router <c>{Router}-{face}</c>, what both faces must return, and who must have served it in how many attempts.</summary>
    public sealed record Scenario(string Name, string Router, string Model, bool Stream, bool Tools, Outcome Expected, string? Llm, int Attempts, string? Pool, string? SentModel)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<Scenario> Scenarios { get; } =
    [
        new("plain", "plain", "gpt-4o", false, false, new(200, "reply from ok", null, null, 1, 1), "ok", 1, "all", "gpt-4o"),
        new("stream", "plain", "gpt-4o", true, false, new(200, "reply from ok ", null, null, FakeVendor.StreamInputTokens, 3), "ok", 1, "all", "gpt-4o"),
        new("failover on 500", "fail500", "gpt-4o", false, false, new(200, "reply from ok", null, null, 1, 1), "ok", 2, "all", "gpt-4o"),
        new("failover on 429", "fail429", "gpt-4o", false, false, new(200, "reply from ok", null, null, 1, 1), "ok", 2, "all", "gpt-4o"),
        new("400 not failed over", "reject400", "gpt-4o", false, false, new(400, "", null, null, null, null), null, 1, "all", "gpt-4o"),
        new("tool call", "tool", "gpt-4o", false, true, new(200, "", "get_weather", """{"city":"Paris"}""", 11, 7), "tool", 1, "all", "gpt-4o"),
        new("mapping picks the pool", "mapped", "gpt-4o-mini", false, false, new(200, "reply from ok", null, null, 1, 1), "ok", 1, "mini", "mapped-mini"),
        new("unknown model is 404", "narrow", "claude-x", false, false, new(404, "", null, null, null, null), null, 0, null, null),
        new("stream fails over before its first byte", "cut", "gpt-4o", true, false, new(200, "reply from ok ", null, null, FakeVendor.StreamInputTokens, 3), "ok", 2, "all", "gpt-4o"),
    ];

    public static IEnumerable<TestCaseData> Cases()
        => from scenario in Scenarios
           from face in s_faces
           select new TestCaseData(scenario, face).SetName($"{scenario.Name} via {face}");

    [OneTimeSetUp]
    public async Task Start()
    {
        _vendor = await FakeVendor.StartAsync("faces", RespondAsync);
        var settings = new RouterSettings();
        var routers = new List<string>();
        foreach (var face in s_faces)
        {
            foreach (var role in new[] { "ok", "other", "e500", "e429", "e400", "cut", "tool" })
            {
                settings.Llm($"{role}-{face}", _vendor.BaseUrlOf($"{role}-{face}"), $"llm-key-{role}-{face}");
            }

            settings
                .Router($"plain-{face}", RouterSettings.Vendor($"ok-{face}"))
                .Router($"fail500-{face}", RouterSettings.Vendor($"e500-{face}"), RouterSettings.Vendor($"ok-{face}"))
                .Router($"fail429-{face}", RouterSettings.Vendor($"e429-{face}"), RouterSettings.Vendor($"ok-{face}"))
                .Router($"reject400-{face}", RouterSettings.Vendor($"e400-{face}"), RouterSettings.Vendor($"ok-{face}"))
                .Router($"tool-{face}", RouterSettings.Vendor($"tool-{face}"))
                .Router($"cut-{face}", RouterSettings.Vendor($"cut-{face}"), RouterSettings.Vendor($"ok-{face}"))
                .Router($"mapped-{face}", ("mini", "gpt-4o-mini", [RouterSettings.Vendor($"ok-{face}", ("gpt-4o-mini", "mapped-mini"))]), ("all", "*", [RouterSettings.Vendor($"other-{face}")]))
                .Router($"narrow-{face}", ("gpts", "gpt-*", [RouterSettings.Vendor($"ok-{face}")]));
            routers.AddRange(new[] { "plain", "fail500", "fail429", "reject400", "tool", "cut", "mapped", "narrow" }.Select(r => $"{r}-{face}"));
        }

        _router = await RouterHost.StartAsync(
            settings.App("faces", AppKey, [.. routers]),
            configureHost: builder => builder.Services.AddSingleton<IModelRouterObserver>(_observer));
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _router.DisposeAsync();
        await _vendor.DisposeAsync();
    }

    [TestCaseSource(nameof(Cases))]
    public async Task Scenario_BothFaces_SameAnswerServedLlmAttemptsAndTokens(Scenario scenario, string face)
    {
        while (_observer.TryTake(out _))
        {
        }

        var before = _vendor.Requests.Count;
        var slug = $"{scenario.Router}-{face}";

        var outcome = face == "http" ? await ViaHttpAsync(scenario, slug) : await InProcessAsync(scenario, slug);

        var record = await _observer.NextAsync();
        var sent = _vendor.Requests.Skip(before).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(outcome, Is.EqualTo(scenario.Expected));
            Assert.That(record.StatusCode, Is.EqualTo(scenario.Expected.Status));
            Assert.That(record.Attempts, Has.Count.EqualTo(scenario.Attempts));
            Assert.That(sent, Has.Count.EqualTo(scenario.Attempts), "every attempt reached a vendor");
            Assert.That(record.Pool, Is.EqualTo(scenario.Pool));
            Assert.That(record.SentModel, Is.EqualTo(scenario.SentModel));
            Assert.That((record.InputTokens, record.OutputTokens), Is.EqualTo((scenario.Expected.InputTokens, scenario.Expected.OutputTokens)));
            if (scenario.Llm is not null)
            {
                Assert.That(record.Llm, Is.EqualTo($"{scenario.Llm}-{face}"));
            }

            if (scenario.Tools)
            {
                Assert.That(FakeVendor.Get(sent[^1], "tools.0.function.name"), Is.EqualTo("get_weather"), "the tool reached the vendor");
            }
        });
    }

    /// <summary>The HTTP face: the official OpenAI SDK at <c>/router/{slug}/v1</c>.</summary>
    private async Task<Outcome> ViaHttpAsync(Scenario scenario, string slug)
    {
        var client = _router.ChatClient(slug, AppKey, scenario.Model);
        var options = new ChatCompletionOptions();
        if (scenario.Tools)
        {
            options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "Gets the weather.", BinaryData.FromString(ToolParameters)));
        }

        OpenAIChatMessage[] messages = [new UserChatMessage(Prompt)];
        try
        {
            if (!scenario.Stream)
            {
                ChatCompletion completion = await client.CompleteChatAsync(messages, options);
                var call = completion.ToolCalls.Count > 0 ? completion.ToolCalls[0] : null;
                return new(200, string.Concat(completion.Content.Select(p => p.Text)), call?.FunctionName, call?.FunctionArguments.ToString(), completion.Usage?.InputTokenCount, completion.Usage?.OutputTokenCount);
            }

            var text = new StringBuilder();
            ChatTokenUsage? usage = null;
            await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
            {
                text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
                usage ??= update.Usage;
            }

            return new(200, text.ToString(), null, null, usage?.InputTokenCount, usage?.OutputTokenCount);
        }
        catch (ClientResultException ex)
        {
            return new(ex.Status, "", null, null, null, null);
        }
    }

    /// <summary>The in-process face: the same router as an <see cref="IChatClient"/>.</summary>
    private async Task<Outcome> InProcessAsync(Scenario scenario, string slug)
    {
        var client = _router.Services.GetRequiredService<IModelRouter>().AsIChatClient(slug, new ModelRouterChatClientOptions { DefaultModel = scenario.Model, AppKey = AppKey });
        var options = new ChatOptions();
        if (scenario.Tools)
        {
            options.Tools = [AIFunctionFactory.Create((string city) => $"sunny in {city}", "get_weather", "Gets the weather.")];
        }

        MeaiChatMessage[] messages = [new(ChatRole.User, Prompt)];
        try
        {
            var response = scenario.Stream
                ? await client.GetStreamingResponseAsync(messages, options).ToChatResponseAsync()
                : await client.GetResponseAsync(messages, options);
            var call = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().FirstOrDefault();
            return new(200, response.Text, call?.Name, call is null ? null : JsonSerializer.Serialize(call.Arguments), response.Usage?.InputTokenCount, response.Usage?.OutputTokenCount);
        }
        catch (ClientResultException ex)
        {
            return new(ex.Status, "", null, null, null, null);
        }
    }

    /// <summary>The fake vendors, by the LLM name in the path without its face: <c>e500</c> fails, <c>ok</c> answers, ...</summary>
    private static async Task RespondAsync(HttpContext context, VendorRequest request)
    {
        var route = request.Route!;
        var role = route[..route.LastIndexOf('-')];
        switch (role)
        {
            case "e500":
                await FakeVendor.JsonAsync(context, StatusCodes.Status500InternalServerError, FakeVendor.Error("down", "server_error", null, null));
                break;
            case "e429":
                context.Response.Headers.RetryAfter = "1";
                await FakeVendor.JsonAsync(context, StatusCodes.Status429TooManyRequests, FakeVendor.Error("slow down", "rate_limit_exceeded", null, null));
                break;
            case "e400":
                await FakeVendor.JsonAsync(context, StatusCodes.Status400BadRequest, FakeVendor.Error("bad request", "invalid_request_error", "messages", null));
                break;
            case "cut":
                // Headers of a stream, then the end of the response before any event.
                await FakeVendor.StartStreamAsync(context);
                break;
            case "tool":
                await FakeVendor.JsonAsync(context, StatusCodes.Status200OK, new JsonObject
                {
                    ["id"] = "chatcmpl-tool",
                    ["object"] = "chat.completion",
                    ["created"] = 1_700_000_000,
                    ["model"] = request.Model,
                    ["choices"] = new JsonArray(new JsonObject
                    {
                        ["index"] = 0,
                        ["finish_reason"] = "tool_calls",
                        ["message"] = new JsonObject
                        {
                            ["role"] = "assistant",
                            ["content"] = null,
                            ["tool_calls"] = new JsonArray(new JsonObject
                            {
                                ["id"] = "call_1", ["type"] = "function",
                                ["function"] = new JsonObject { ["name"] = "get_weather", ["arguments"] = """{"city":"Paris"}""" },
                            }),
                        },
                    }),
                    ["usage"] = new JsonObject { ["prompt_tokens"] = 11, ["completion_tokens"] = 7, ["total_tokens"] = 18 },
                }.ToJsonString());
                break;
            default:
                await FakeVendor.AnswerAsync(context, request, "reply from " + role);
                break;
        }
    }
}
