using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelRouter.Configuration;
using ModelRouter.Diagnostics;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Diagnostics;

/// <summary>
/// Spans, metrics and usage records of served, failed-over, failed and streamed requests, asserted name by name and tag by
/// tag. The fake clock moves only where a vendor "takes time", so durations are exact.
/// </summary>
public class RouterTelemetryTests
{
    private const string CompletionText = "completion-text-7731";
    private const string VendorMessage = "vendor-words-5521";

    private static readonly string s_answer =
        """{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-x-2025","choices":[{"index":0,"message":{"role":"assistant","content":""" + "\"" + CompletionText + "\"" + """},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":5,"total_tokens":16,"prompt_tokens_details":{"cached_tokens":0}}}""";

    private static readonly string s_firstEvent = $$$"""data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-x-2025","choices":[{"index":0,"delta":{"content":"{{{CompletionText}}}"}}]}""" + "\n\n";

    private static readonly string s_usageEvent = """data: {"id":"c1","object":"chat.completion.chunk","model":"gpt-x-2025","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}""" + "\n\n";

    /// <summary>Router "prod", pool "all" over a (m -> gpt-x) and b (m -> gpt-y), app "team-a".</summary>
    private static ModelRouterConfig Config() => OnePool(Pool("all", "*", Vendor("a", 1, true, ("m", "gpt-x")), Vendor("b", 1, true, ("m", "gpt-y"))));

    private static string StreamBody(bool includeUsage)
        => includeUsage
            ? """{"model":"m","messages":[{"role":"user","content":"Hello"}],"stream":true,"stream_options":{"include_usage":true}}"""
            : Bodies.Chat("m", streaming: true);

    private const string UsageChunk = """{"id":"c1","object":"chat.completion.chunk","model":"gpt-x-2025","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}""";

    private static string ContentChunk(bool nullUsage)
        => $$$"""{"id":"c1","object":"chat.completion.chunk","model":"gpt-x-2025","choices":[{"index":0,"delta":{"content":"{{{CompletionText}}}"}}]{{{(nullUsage ? ",\"usage\":null" : "")}}}}""";

    private static string Sse(string lineBreak, params string[] data) => string.Concat(data.Select(d => "data: " + d + lineBreak + lineBreak));

    /// <summary>A vendor's stream with the usage event only when the request asks for it (and then, optionally, <c>"usage":null</c> on the other chunks).</summary>
    private static HttpResponseMessage UsageWhenAsked(string requestJson, int readSize, bool nullUsageOnChunks, string lineBreak)
    {
        var asked = JsonNode.Parse(requestJson)!["stream_options"]?["include_usage"]?.GetValue<bool>() == true;
        var events = asked ? Sse(lineBreak, ContentChunk(nullUsageOnChunks), UsageChunk, "[DONE]") : Sse(lineBreak, ContentChunk(false), "[DONE]");
        return Events(new TrickleStream(Encoding.UTF8.GetBytes(events), readSize));
    }

    private static HttpResponseMessage Json(string body, HttpStatusCode status = HttpStatusCode.OK) => new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Events(Stream body)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static HttpResponseMessage Events(string body) => Events(new MemoryStream(Encoding.UTF8.GetBytes(body)));

    private static ModelRouterUsageRecord WithoutAttempts(ModelRouterUsageRecord record) => record with { Attempts = Array.Empty<ModelRouterAttemptRecord>() };

    private static RouterHarness Harness(params IModelRouterObserver[] observers)
        => RouterHarness.Create(Config(), services: s =>
        {
            foreach (var observer in observers)
            {
                s.AddSingleton(observer);
            }
        });

    [Test]
    public async Task Served_JsonAnswer_SpansMetricsAndRecordNameWhoServedWhatAndTheTokens()
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ =>
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(250));
            return Json(s_answer);
        });

        await using (var response = await h.RouteAsync(Bodies.Chat("m")))
        {
            Assert.That(response.Trail, Is.EqualTo("a=ok"));
        }

        var record = await observer.NextAsync();
        var route = capture.Route;
        var chat = capture.Attempts.Single();
        Assert.Multiple(() =>
        {
            Assert.That(route.DisplayName, Is.EqualTo("route prod"));
            Assert.That(route.Kind, Is.EqualTo(ActivityKind.Server));
            Assert.That(route.Status, Is.EqualTo(ActivityStatusCode.Unset));
            Assert.That(route.TagMap(), Is.EquivalentTo(new Dictionary<string, object?>
            {
                ["gen_ai.operation.name"] = "chat",
                ["model_router.router"] = "prod",
                ["model_router.app"] = "team-a",
                ["model_router.pool"] = "all",
                ["gen_ai.request.model"] = "m",
                ["model_router.llm"] = "a",
                ["gen_ai.provider.name"] = "openai",
                ["model_router.model.sent"] = "gpt-x",
                ["gen_ai.response.model"] = "gpt-x-2025",
                ["gen_ai.usage.input_tokens"] = 11L,
                ["gen_ai.usage.output_tokens"] = 5L,
                ["model_router.attempts"] = 1,
                ["http.response.status_code"] = 200,
            }));
            Assert.That(chat.DisplayName, Is.EqualTo("chat gpt-x"));
            Assert.That(chat.Kind, Is.EqualTo(ActivityKind.Client));
            Assert.That(chat.ParentSpanId, Is.EqualTo(route.SpanId));
            Assert.That(chat.TagMap(), Is.EquivalentTo(new Dictionary<string, object?>
            {
                ["gen_ai.operation.name"] = "chat",
                ["gen_ai.provider.name"] = "openai",
                ["gen_ai.request.model"] = "m",
                ["model_router.model.sent"] = "gpt-x",
                ["model_router.router"] = "prod",
                ["model_router.pool"] = "all",
                ["model_router.llm"] = "a",
                ["gen_ai.response.model"] = "gpt-x-2025",
                ["gen_ai.usage.input_tokens"] = 11L,
                ["gen_ai.usage.output_tokens"] = 5L,
            }));

            var attempts = capture.Longs("model_router.attempts").Single();
            Assert.That(attempts.Value, Is.EqualTo(1));
            Assert.That(attempts.TagMap(), Is.EquivalentTo(new Dictionary<string, object?>
            {
                ["model_router.router"] = "prod", ["model_router.pool"] = "all", ["model_router.llm"] = "a", ["model_router.attempt.outcome"] = "ok",
            }));
            var genAiTags = new Dictionary<string, object?>
            {
                ["model_router.router"] = "prod", ["model_router.pool"] = "all", ["model_router.llm"] = "a", ["gen_ai.operation.name"] = "chat",
                ["gen_ai.provider.name"] = "openai", ["gen_ai.request.model"] = "m", ["gen_ai.response.model"] = "gpt-x-2025",
            };
            var duration = capture.Doubles("gen_ai.client.operation.duration").Single();
            Assert.That(duration.Value, Is.EqualTo(0.25));
            Assert.That(duration.TagMap(), Is.EquivalentTo(genAiTags));
            var tokens = capture.Longs("gen_ai.client.token.usage");
            Assert.That(tokens.Select(t => (t.Value, t.Tags["gen_ai.token.type"])), Is.EqualTo(new[] { (11L, (object?)"input"), (5L, "output") }));
            Assert.That(tokens[0].TagMap().Where(t => t.Key != "gen_ai.token.type"), Is.EquivalentTo(genAiTags));
            Assert.That(capture.Longs("model_router.failovers"), Is.Empty);
            Assert.That(capture.Longs("model_router.requests.refused"), Is.Empty);
            Assert.That(capture.Doubles("gen_ai.client.operation.time_to_first_chunk"), Is.Empty);

            Assert.That(WithoutAttempts(record), Is.EqualTo(new ModelRouterUsageRecord
            {
                Router = "prod",
                Pool = "all",
                App = "team-a",
                Llm = "a",
                RequestedModel = "m",
                SentModel = "gpt-x",
                ResponseModel = "gpt-x-2025",
                StatusCode = 200,
                InputTokens = 11,
                OutputTokens = 5,
                Duration = TimeSpan.FromMilliseconds(250),
                TimeToFirstByte = TimeSpan.FromMilliseconds(250),
                Streamed = false,
                StreamEnd = ModelRouterStreamEnd.None,
                Attempts = Array.Empty<ModelRouterAttemptRecord>(),
            }));
            Assert.That(record.Attempts, Is.EqualTo(new[]
            {
                new ModelRouterAttemptRecord { Llm = "a", Model = "gpt-x", Outcome = "ok", StatusCode = 200, Duration = TimeSpan.FromMilliseconds(250) },
            }));
        });
    }

    [Test]
    public async Task FailedOver_FirstVendor500_TrailSpansCountersAndRecordShowBothAttempts()
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ =>
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(100));
            return Json($$$"""{"error":{"message":"{{{VendorMessage}}}","type":"server_error"}}""", HttpStatusCode.InternalServerError);
        });
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ =>
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(200));
            return Json(s_answer);
        });

        await using (var response = await h.RouteAsync(Bodies.Chat("m")))
        {
            Assert.That(response.Trail, Is.EqualTo("a=500;b=ok"));
        }

        var record = await observer.NextAsync();
        Assert.Multiple(() =>
        {
            var chats = capture.Attempts;
            Assert.That(chats.Select(c => c.DisplayName), Is.EqualTo(new[] { "chat gpt-x", "chat gpt-y" }));
            Assert.That(chats[0].Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(chats[0].GetTagItem("error.type"), Is.EqualTo("500"));
            Assert.That(chats[1].Status, Is.EqualTo(ActivityStatusCode.Unset));
            Assert.That(chats[1].GetTagItem("error.type"), Is.Null);
            Assert.That(capture.Route.GetTagItem("model_router.llm"), Is.EqualTo("b"));
            Assert.That(capture.Route.GetTagItem("model_router.attempts"), Is.EqualTo(2));
            Assert.That(capture.Route.GetTagItem("model_router.model.sent"), Is.EqualTo("gpt-y"));

            Assert.That(capture.Longs("model_router.attempts").Select(m => (m.Tags["model_router.llm"], m.Tags["model_router.attempt.outcome"])),
                Is.EqualTo(new[] { ((object?)"a", (object?)"500"), ("b", "ok") }));
            var failover = capture.Longs("model_router.failovers").Single();
            Assert.That(failover.TagMap(), Is.EquivalentTo(new Dictionary<string, object?>
            {
                ["model_router.router"] = "prod", ["model_router.pool"] = "all", ["model_router.llm"] = "a", ["model_router.failover.reason"] = "status",
            }));
            var durations = capture.Doubles("gen_ai.client.operation.duration");
            Assert.That(durations.Select(d => d.Value), Is.EqualTo(new[] { 0.1, 0.2 }));
            Assert.That(durations[0].Tags["error.type"], Is.EqualTo("500"));
            Assert.That(durations[1].Tags.ContainsKey("error.type"), Is.False);

            Assert.That(WithoutAttempts(record), Is.EqualTo(new ModelRouterUsageRecord
            {
                Router = "prod",
                Pool = "all",
                App = "team-a",
                Llm = "b",
                RequestedModel = "m",
                SentModel = "gpt-y",
                ResponseModel = "gpt-x-2025",
                StatusCode = 200,
                InputTokens = 11,
                OutputTokens = 5,
                Duration = TimeSpan.FromMilliseconds(300),
                TimeToFirstByte = TimeSpan.FromMilliseconds(300),
                Attempts = Array.Empty<ModelRouterAttemptRecord>(),
            }));
            Assert.That(record.Attempts, Is.EqualTo(new[]
            {
                new ModelRouterAttemptRecord { Llm = "a", Model = "gpt-x", Outcome = "500", StatusCode = 500, Duration = TimeSpan.FromMilliseconds(100) },
                new ModelRouterAttemptRecord { Llm = "b", Model = "gpt-y", Outcome = "ok", StatusCode = 200, Duration = TimeSpan.FromMilliseconds(200) },
            }));
        });
    }

    [Test]
    public async Task Failed_EveryVendorFails_RefusalCountedByStatusAndRecordHoldsTheError()
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Json("{}", HttpStatusCode.InternalServerError));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Throw(new HttpRequestException(HttpRequestError.ConnectionError, "refused"));

        var error = await h.RouteFailsAsync(Bodies.Chat("m"));

        var record = await observer.NextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ModelRouterErrorKind.AllVendorsFailed));
            Assert.That(error.Trail, Is.EqualTo("a=500;b=error"));
            Assert.That(capture.Route.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(capture.Route.GetTagItem("error.type"), Is.EqualTo("all_vendors_failed"));
            Assert.That(capture.Route.GetTagItem("http.response.status_code"), Is.EqualTo(502));
            Assert.That(capture.Attempts.Select(a => a.GetTagItem("error.type")), Is.EqualTo(new[] { "500", "error" }));
            var refused = capture.Longs("model_router.requests.refused").Single();
            Assert.That(refused.TagMap(), Is.EquivalentTo(new Dictionary<string, object?>
            {
                ["model_router.router"] = "prod", ["http.response.status_code"] = "502", ["error.type"] = "all_vendors_failed",
            }));
            Assert.That(capture.Longs("model_router.failovers").Select(f => f.Tags["model_router.failover.reason"]), Is.EqualTo(new[] { "status", "error" }));
            Assert.That(capture.Longs("gen_ai.client.token.usage"), Is.Empty);
            Assert.That(WithoutAttempts(record), Is.EqualTo(new ModelRouterUsageRecord
            {
                Router = "prod",
                Pool = "all",
                App = "team-a",
                Llm = "b",
                RequestedModel = "m",
                SentModel = "gpt-y",
                StatusCode = 502,
                Error = ModelRouterErrorKind.AllVendorsFailed,
                Attempts = Array.Empty<ModelRouterAttemptRecord>(),
            }));
            Assert.That(record.Attempts.Select(a => (a.Llm, a.Outcome, a.StatusCode)), Is.EqualTo(new[] { ("a", "500", 500), ("b", "error", 0) }));
        });
    }

    [Test]
    public async Task Refused_UnknownRouter_CountedAsUnknownWithoutTheClientsSlug()
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);

        var error = await h.RouteFailsAsync(Bodies.Chat("m"), slug: "made-up-slug");

        var record = await observer.NextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ModelRouterErrorKind.RouterNotFound));
            Assert.That(error.Trail, Is.Null);
            Assert.That(capture.Route.DisplayName, Is.EqualTo("route"));
            Assert.That(capture.AllTagValues(), Has.None.Contains("made-up-slug"));
            Assert.That(capture.Longs("model_router.requests.refused").Single().TagMap(), Is.EquivalentTo(new Dictionary<string, object?>
            {
                ["model_router.router"] = "unknown", ["http.response.status_code"] = "404", ["error.type"] = "router_not_found",
            }));
            Assert.That(record, Is.EqualTo(new ModelRouterUsageRecord { StatusCode = 404, Error = ModelRouterErrorKind.RouterNotFound, Attempts = record.Attempts }));
            Assert.That(record.Attempts, Is.Empty);
        });
    }

    [Test]
    public async Task Metrics_ModelNotConfigured_TaggedUnknown()
    {
        await using var h = Harness();
        using var capture = new TelemetryCapture(h.Services);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Json(s_answer));

        await using (await h.RouteAsync(Bodies.Chat("anything-a-client-typed")))
        {
        }

        Assert.Multiple(() =>
        {
            Assert.That(capture.Doubles("gen_ai.client.operation.duration").Single().Tags["gen_ai.request.model"], Is.EqualTo("unknown"));
            Assert.That(capture.Longs("gen_ai.client.token.usage").Select(t => t.Tags["gen_ai.request.model"]), Is.All.EqualTo("unknown"));
        });
    }

    [Test]
    public async Task Stream_ReadToTheEnd_TokensFromTheUsageEventTimeToFirstChunkAndCompleted()
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);
        var events = s_firstEvent + s_usageEvent + "data: [DONE]\n\n";
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ =>
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(40));
            return Events(events);
        });

        await using (var response = await h.RouteAsync(StreamBody(includeUsage: true)))
        {
            Assert.That(await Bodies.ReadAllAsync(response), Is.EqualTo(events));
        }

        var record = await observer.NextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(capture.Route.GetTagItem("model_router.stream.end"), Is.EqualTo("completed"));
            Assert.That(capture.Route.GetTagItem("gen_ai.usage.input_tokens"), Is.EqualTo(9L));
            Assert.That(capture.Route.GetTagItem("gen_ai.usage.output_tokens"), Is.EqualTo(4L));
            Assert.That(capture.Route.Status, Is.EqualTo(ActivityStatusCode.Unset));
            var first = capture.Doubles("gen_ai.client.operation.time_to_first_chunk").Single();
            Assert.That(first.Value, Is.EqualTo(0.04));
            Assert.That(first.Tags["model_router.llm"], Is.EqualTo("a"));
            Assert.That(capture.Longs("gen_ai.client.token.usage").Select(t => t.Value), Is.EqualTo(new[] { 9L, 4L }));
            Assert.That(WithoutAttempts(record), Is.EqualTo(new ModelRouterUsageRecord
            {
                Router = "prod",
                Pool = "all",
                App = "team-a",
                Llm = "a",
                RequestedModel = "m",
                SentModel = "gpt-x",
                ResponseModel = "gpt-x-2025",
                StatusCode = 200,
                InputTokens = 9,
                OutputTokens = 4,
                Duration = TimeSpan.FromMilliseconds(40),
                TimeToFirstByte = TimeSpan.FromMilliseconds(40),
                Streamed = true,
                StreamEnd = ModelRouterStreamEnd.Completed,
                Attempts = Array.Empty<ModelRouterAttemptRecord>(),
            }));
        });
    }

    /// <summary>
    /// Without a client's ask, the router asks an OpenAI-compatible vendor for usage and takes the usage event out of the
    /// stream the client sees; its tokens still reach the span and the record. The vendor, as OpenAI does, sends the usage
    /// event only when asked (and may then add <c>"usage":null</c> to its other chunks); reads of a few bytes cut the
    /// events apart, to show that only whole events pass.
    /// </summary>
    [Test]
    public async Task Stream_ClientDidNotAskForUsage_RouterAsksAndTheUsageEventIsTakenOutButCounted(
        [Values(1, 7, 4096)] int readSize, [Values] bool nullUsageOnChunks, [Values("\n", "\r\n")] string lineBreak)
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);
        string? forwarded = null;
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(async request =>
        {
            forwarded = await request.Content!.ReadAsStringAsync();
            return UsageWhenAsked(forwarded, readSize, nullUsageOnChunks, lineBreak);
        });

        string text;
        await using (var response = await h.RouteAsync(StreamBody(includeUsage: false)))
        {
            text = await Bodies.ReadAllAsync(response);
        }

        var record = await observer.NextAsync();
        var sent = JsonNode.Parse(forwarded!)!;
        Assert.Multiple(() =>
        {
            Assert.That(text, Is.EqualTo(Sse(lineBreak, ContentChunk(nullUsageOnChunks)) + "data: [DONE]\n\n"), "the router ends [DONE] with its own blank line");
            Assert.That(sent["stream_options"]?.ToJsonString(), Is.EqualTo("""{"include_usage":true}"""));
            Assert.That(sent["model"]?.GetValue<string>(), Is.EqualTo("gpt-x"));
            Assert.That(sent["messages"]?.ToJsonString(), Is.EqualTo("""[{"role":"user","content":"Hello"}]"""));
            Assert.That(capture.Route.GetTagItem("gen_ai.usage.input_tokens"), Is.EqualTo(9L));
            Assert.That(capture.Route.GetTagItem("gen_ai.usage.output_tokens"), Is.EqualTo(4L));
            Assert.That(capture.Longs("gen_ai.client.token.usage").Select(t => t.Value), Is.EqualTo(new[] { 9L, 4L }));
            Assert.That((record.InputTokens, record.OutputTokens), Is.EqualTo(((long?)9, (long?)4)));
            Assert.That(record.StreamEnd, Is.EqualTo(ModelRouterStreamEnd.Completed));
        });
    }

    /// <summary>A client that asked for usage gets the vendor's stream unchanged, usage event included; the tokens are counted.</summary>
    [Test]
    public async Task Stream_ClientAskedForUsage_TheUsageEventPassesUnchangedAndIsCounted([Values(1, 4096)] int readSize)
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);
        string? forwarded = null;
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(async request =>
        {
            forwarded = await request.Content!.ReadAsStringAsync();
            return UsageWhenAsked(forwarded, readSize, nullUsageOnChunks: true, "\n");
        });

        string text;
        await using (var response = await h.RouteAsync(StreamBody(includeUsage: true)))
        {
            text = await Bodies.ReadAllAsync(response);
        }

        var record = await observer.NextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(forwarded, Is.EqualTo(StreamBody(includeUsage: true).Replace("\"m\"", "\"gpt-x\"", StringComparison.Ordinal)));
            Assert.That(text, Is.EqualTo(Sse("\n", ContentChunk(nullUsage: true), UsageChunk, "[DONE]")));
            Assert.That(capture.Route.GetTagItem("gen_ai.usage.input_tokens"), Is.EqualTo(9L));
            Assert.That((record.InputTokens, record.OutputTokens), Is.EqualTo(((long?)9, (long?)4)));
        });
    }

    [Test]
    public async Task Stream_CutAfterItStarted_RecordedAsCut()
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Events(new BrokenStream(Encoding.UTF8.GetBytes(s_firstEvent))));

        var error = await h.RouteFailsAsync(StreamBody(includeUsage: false));

        var record = await observer.NextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(error.Kind, Is.EqualTo(ModelRouterErrorKind.StreamInterrupted));
            Assert.That(capture.Route.GetTagItem("model_router.stream.end"), Is.EqualTo("cut"));
            Assert.That(capture.Route.GetTagItem("error.type"), Is.EqualTo("stream_cut"));
            Assert.That(capture.Route.Status, Is.EqualTo(ActivityStatusCode.Error));
            Assert.That(record.Streamed, Is.True);
            Assert.That(record.StreamEnd, Is.EqualTo(ModelRouterStreamEnd.Cut));
            Assert.That(record.StatusCode, Is.EqualTo(200));
            Assert.That(record.Llm, Is.EqualTo("a"));
            Assert.That(record.Attempts.Select(a => a.Outcome), Is.EqualTo(new[] { "ok" }));
        });
    }

    [Test]
    public async Task Stream_ClientStopsReadingAndDisposes_RecordedAsClientLeft()
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(s_firstEvent));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Events(pipe.Reader.AsStream()));

        var response = await h.RouteAsync(StreamBody(includeUsage: false));
        var first = Encoding.UTF8.GetString((await response.ReadStreamChunkAsync()).Span);
        var pending = response.ReadStreamChunkAsync().AsTask();
        await response.DisposeAsync();

        var record = await observer.NextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(s_firstEvent));
            Assert.That(pending.IsFaulted || pending.IsCanceled, Is.True, "disposing ends the read in flight");
            Assert.That(record.Streamed, Is.True);
            Assert.That(record.StreamEnd, Is.EqualTo(ModelRouterStreamEnd.ClientLeft));
            Assert.That(record.StatusCode, Is.EqualTo(200));
            Assert.That(record.ResponseModel, Is.EqualTo("gpt-x-2025"));
        });
        await pipe.Writer.CompleteAsync();
    }

    [Test]
    public async Task Stream_Anthropic_TokensCountedWithoutAddingAUsageEventTheClientDidNotAskFor()
    {
        var observer = new RecordingObserver();
        var config = ProviderVendors.Config(ProviderKinds.Anthropic);
        await using var h = RouterHarness.Create(config, services: s => s.AddSingleton<IModelRouterObserver>(observer));
        h.Http.Expect(HttpMethod.Post, ProviderVendors.UrlA(ProviderKinds.Anthropic))
            .Respond(_ => Events(ProviderVendors.Answer(ProviderKinds.Anthropic, streaming: true, CompletionText)));

        string text;
        await using (var response = await h.RouteAsync(Bodies.Chat("claude-x", streaming: true)))
        {
            text = await Bodies.ReadAllAsync(response);
        }

        var record = await observer.NextAsync();
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.Not.Contain("usage"));
            Assert.That(record.InputTokens, Is.EqualTo(3));
            Assert.That(record.OutputTokens, Is.EqualTo(2));
            Assert.That(record.StreamEnd, Is.EqualTo(ModelRouterStreamEnd.Completed));
        });
    }

    [Test]
    public async Task Health_CooldownAndBreakerOpening_Counted()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        using var capture = new TelemetryCapture(h.Services);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ =>
        {
            var limited = Json("{}", HttpStatusCode.TooManyRequests);
            limited.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(30));
            return limited;
        });
        h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => Json("{}", HttpStatusCode.InternalServerError));

        // a rate limits (cools); b fails three times in a row (its breaker opens at the third).
        for (var i = 0; i < 3; i++)
        {
            await h.RouteFailsAsync(Bodies.Chat("m"));
        }

        Assert.Multiple(() =>
        {
            Assert.That(capture.Longs("model_router.llm.cooldowns").Select(m => (m.Tags["model_router.llm"], m.Tags["model_router.cooldown.reason"])),
                Is.EqualTo(new[] { ((object?)"a", (object?)"rate_limited") }));
            Assert.That(capture.Longs("model_router.llm.breaker_openings").Select(m => m.Tags["model_router.llm"]), Is.EqualTo(new[] { "b" }));
        });
    }

    /// <summary>
    /// Polly's own telemetry of the breaker goes through the host's logger factory and Polly's meter: its opening is a
    /// resilience event, logged by Polly and counted on <c>resilience.polly.strategy.events</c>. (The LLM's name is this
    /// test's own: Polly's meter is shared by every test in the process.)
    /// </summary>
    [Test]
    public async Task Health_BreakerOpens_PollyLogsAndCountsItsResilienceEventThroughTheHost()
    {
        const string Llm = "polly-breaker-llm";
        await using var h = RouterHarness.Create(OnePool(Llm));
        var events = new ConcurrentQueue<(string Name, string? Instance)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Polly" && instrument.Name == "resilience.polly.strategy.events")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<int>((_, _, tags, _) => Keep(tags));
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) => Keep(tags));
        meters.Start();
        h.Http.When(HttpMethod.Post, ChatUrl(Llm)).Respond(_ => Json("{}", HttpStatusCode.InternalServerError));

        // Three failures in a row: the breaker opens at the third.
        for (var i = 0; i < 3; i++)
        {
            await h.RouteFailsAsync(Bodies.Chat("m"));
        }

        var polly = h.Logs.GetSnapshot().Where(r => r.Category?.StartsWith("Polly", StringComparison.Ordinal) == true).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(polly.Select(r => r.Message), Has.Some.Contains("OnCircuitOpened").And.Contains(Llm), "Polly logs the opening through the host's logger factory");
            Assert.That(events, Has.Some.EqualTo(("OnCircuitOpened", (string?)Llm)), "Polly counts it on its meter");
        });

        void Keep(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? name = null, instance = null;
            foreach (var tag in tags)
            {
                name = tag.Key == "event.name" ? tag.Value as string : name;
                instance = tag.Key == "pipeline.instance" ? tag.Value as string : instance;
            }

            if (name is not null)
            {
                events.Enqueue((name, instance));
            }
        }
    }

    [Test]
    public async Task Telemetry_ScenariosWithListenersOn_NoKeyPromptCompletionOrVendorMessageReachesTagsRecordsOrLogs()
    {
        var observer = new RecordingObserver();
        await using var h = Harness(observer);
        using var capture = new TelemetryCapture(h.Services);
        var leaky = $$$"""{"error":{"message":"{{{VendorMessage}}} {{{KeyOf("a")}}} {{{KeyOf("b")}}}","type":"server_error"}}""";
        // Round robin: the first request starts at a (500) and b rejects it (400); the second is served by b; the third
        // fails over from a to b's stream; the fourth has a wrong app key.
        var fromB = new Queue<Func<HttpResponseMessage>>(
        [
            () => Json(leaky, HttpStatusCode.BadRequest),
            () => Json(s_answer),
            () => Events(s_firstEvent + s_usageEvent + "data: [DONE]\n\n"),
        ]);
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ => Json(leaky, HttpStatusCode.InternalServerError));
        h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => fromB.Dequeue()());

        var rejected = await h.RouteFailsAsync(Bodies.Chat("m"));
        await using (var served = await h.RouteAsync(Bodies.Chat("m")))
        {
            Assert.That(served.Llm, Is.EqualTo("b"));
        }

        await using (var streamed = await h.RouteAsync(StreamBody(includeUsage: true)))
        {
            await Bodies.ReadAllAsync(streamed);
        }

        await h.RouteFailsAsync(Bodies.Chat("m"), appKey: "not-a-key-" + KeyOf("b"));
        var records = new List<ModelRouterUsageRecord>();
        for (var i = 0; i < 4; i++)
        {
            records.Add(await observer.NextAsync());
        }

        string[] forbidden = [KeyOf("a"), KeyOf("b"), AppKey, VendorMessage, "Hello", CompletionText];
        var text = capture.AllTagValues()
            .Concat(records.Select(r => r.ToString()))
            .Concat(records.SelectMany(r => r.Attempts).Select(a => a.ToString()))
            .Concat(h.Logs.GetSnapshot().Select(l => l.Message + " " + l.Exception?.Message))
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(rejected.Kind, Is.EqualTo(ModelRouterErrorKind.UpstreamRejected));
            Assert.That(records.Select(r => r.StatusCode), Is.EqualTo(new[] { 400, 200, 200, 401 }));
            Assert.That(capture.Activities, Has.Count.EqualTo(9), "the scenarios ran with spans on: four routes, five attempts");
            Assert.That(rejected.Message, Does.Contain(VendorMessage), "the vendor's words did reach the client");
            foreach (var secret in forbidden)
            {
                Assert.That(text, Has.None.Contains(secret), secret);
            }
        });
    }

    [Test]
    public async Task Observer_ThrowingObserver_ChangesNothingForTheRequestOrTheOtherObservers()
    {
        var throwing = new ThrowingObserver();
        var recording = new RecordingObserver();
        await using var h = Harness(throwing, recording);
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Json(s_answer));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Json(s_answer));

        string first;
        await using (var response = await h.RouteAsync(Bodies.Chat("m")))
        {
            first = await Bodies.ReadAllAsync(response);
        }

        await using var second = await h.RouteAsync(Bodies.Chat("m"));
        await second.DisposeAsync();
        var records = new[] { await recording.NextAsync(), await recording.NextAsync() };

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(s_answer));
            Assert.That(second.Llm, Is.EqualTo("b"));
            Assert.That(records.Select(r => r.Llm), Is.EqualTo(new[] { "a", "b" }));
            Assert.That(throwing.Calls, Is.EqualTo(2));
            Assert.That(h.Logs.GetSnapshot().Count(l => l.Id.Name == "ObserverFailed"), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Observer_SlowObserver_DelaysNoRequest()
    {
        var blocking = new BlockingObserver();
        await using var h = Harness(blocking);
        h.Http.When(HttpMethod.Post, ChatUrl("a")).Respond(_ => Json(s_answer));
        h.Http.When(HttpMethod.Post, ChatUrl("b")).Respond(_ => Json(s_answer));

        for (var i = 0; i < 5; i++)
        {
            // A request ends when its answer is disposed: that is when its record is handed over.
            var routing = Task.Run(async () =>
            {
                await using var response = await h.RouteAsync(Bodies.Chat("m"));
            });
            Assert.That(await Task.WhenAny(routing, Task.Delay(TimeSpan.FromSeconds(10))), Is.SameAs(routing), "a request waited for the observer");
            await routing;
        }

        blocking.Release();
    }

    [Test]
    public async Task ObserverQueue_Full_DropsAndCountsWithoutWaiting()
    {
        var blocking = new BlockingObserver();
        var dropped = 0;
        await using var queue = new ObserverQueue([blocking], Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, () => dropped++);
        var record = new ModelRouterUsageRecord();
        queue.Post(record);
        await blocking.Entered;

        for (var i = 0; i < ObserverQueue.Capacity + 3; i++)
        {
            queue.Post(record);
        }

        Assert.Multiple(() =>
        {
            Assert.That(queue.Dropped, Is.EqualTo(3));
            Assert.That(dropped, Is.EqualTo(3));
        });
        blocking.Release();
    }

    [Test]
    public void Start_NobodyListens_ReturnsNoRequestTelemetry()
    {
        using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var telemetry = new RouterTelemetry([], TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<RouterTelemetry>.Instance,
            meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());

        Assert.That(telemetry.Start(), Is.Null);
    }
}
