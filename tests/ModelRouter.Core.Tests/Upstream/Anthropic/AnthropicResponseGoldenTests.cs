using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using ModelRouter.Upstream;
using ModelRouter.Upstream.Anthropic;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Anthropic;

/// <summary>Golden tests: Anthropic answers and errors in, OpenAI shapes out.</summary>
public class AnthropicResponseGoldenTests
{
    private static AnthropicProviderAdapter Adapter() => new(new FakeTimeProvider(Now));

    [Test]
    public async Task ReadResponse_Text_BecomesChatCompletionWithUsage()
    {
        const string input = """
            {
              "id": "msg_01", "type": "message", "role": "assistant", "model": "claude-3-opus-20240229",
              "content": [ { "type": "text", "text": "Bonjour" }, { "type": "text", "text": " à vous." } ],
              "stop_reason": "end_turn", "stop_sequence": null,
              "usage": { "input_tokens": 12, "output_tokens": 5 }
            }
            """;
        const string expected = """
            {
              "id": "msg_01", "object": "chat.completion", "created": 1700000000, "model": "claude-3-opus-20240229",
              "choices": [ { "index": 0, "message": { "role": "assistant", "content": "Bonjour à vous." }, "logprobs": null, "finish_reason": "stop" } ],
              "usage": { "prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17 }
            }
            """;

        using var response = Response(HttpStatusCode.OK, input);
        AssertJsonEqual(await Adapter().ReadResponseAsync(response, Context("""{"model":"m","messages":[]}"""), CancellationToken.None), expected);
    }

    [Test]
    public async Task ReadResponse_ToolUse_BecomesToolCallsWithCachedTokens()
    {
        const string input = """
            {
              "id": "msg_02", "type": "message", "role": "assistant", "model": "claude-x",
              "content": [
                { "type": "thinking", "thinking": "hidden", "signature": "s" },
                { "type": "text", "text": "Checking." },
                { "type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": { "city": "Paris", "units": ["c"] } },
                { "type": "tool_use", "id": "toolu_2", "name": "get_time", "input": {} }
              ],
              "stop_reason": "tool_use", "stop_sequence": null,
              "usage": { "input_tokens": 10, "output_tokens": 30, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 5 }
            }
            """;
        const string expected = """
            {
              "id": "msg_02", "object": "chat.completion", "created": 1700000000, "model": "claude-x",
              "choices": [ { "index": 0, "message": { "role": "assistant", "content": "Checking.", "tool_calls": [
                { "id": "toolu_1", "type": "function", "function": { "name": "get_weather", "arguments": "{\"city\":\"Paris\",\"units\":[\"c\"]}" } },
                { "id": "toolu_2", "type": "function", "function": { "name": "get_time", "arguments": "{}" } }
              ] }, "logprobs": null, "finish_reason": "tool_calls" } ],
              "usage": { "prompt_tokens": 115, "completion_tokens": 30, "total_tokens": 145, "prompt_tokens_details": { "cached_tokens": 100 } }
            }
            """;

        var output = AnthropicResponseTranslator.Translate(Encoding.UTF8.GetBytes(input), Now.ToUnixTimeSeconds());
        AssertJsonEqual(output, expected);

        using var response = Response(HttpStatusCode.OK, input);
        AssertJsonEqual(await Adapter().ReadResponseAsync(response, Context("""{"model":"m","messages":[]}"""), CancellationToken.None), expected);
    }

    [Test]
    public void Translate_OnlyToolUse_HasNullContent()
    {
        const string input = """{"id":"m","type":"message","model":"c","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":1}}],"stop_reason":"tool_use","usage":{"input_tokens":1,"output_tokens":2}}""";
        var output = Encoding.UTF8.GetString(AnthropicResponseTranslator.Translate(Encoding.UTF8.GetBytes(input), 1));

        Assert.That(output, Does.Contain("\"content\":null"));
    }

    [TestCase("end_turn", "stop")]
    [TestCase("stop_sequence", "stop")]
    [TestCase("max_tokens", "length")]
    [TestCase("tool_use", "tool_calls")]
    [TestCase("refusal", "content_filter")]
    [TestCase("pause_turn", "stop")]
    public void MapStopReason_MapsToFinishReason(string stopReason, string finishReason)
        => Assert.That(AnthropicResponseTranslator.MapStopReason(stopReason), Is.EqualTo(finishReason));

    [TestCase("not json")]
    [TestCase("""{"type":"error","error":{"type":"api_error","message":"x"}}""")]
    [TestCase("""[1,2]""")]
    public void ReadResponse_NotAMessage_IsInvalidUpstreamResponse(string body)
    {
        using var response = Response(HttpStatusCode.OK, body);
        Assert.ThrowsAsync<InvalidUpstreamResponseException>(async () => await Adapter().ReadResponseAsync(response, Context("""{"model":"m","messages":[]}"""), CancellationToken.None));
    }

    [TestCase(400, "invalid_request_error", "invalid_request_error", null)]
    [TestCase(401, "authentication_error", "authentication_error", null)]
    [TestCase(403, "permission_error", "permission_error", null)]
    [TestCase(404, "not_found_error", "not_found_error", null)]
    [TestCase(413, "request_too_large", "invalid_request_error", "request_too_large")]
    [TestCase(429, "rate_limit_error", "rate_limit_error", null)]
    [TestCase(500, "api_error", "server_error", null)]
    [TestCase(529, "overloaded_error", "server_error", "overloaded")]
    [TestCase(418, "teapot_error", "invalid_request_error", "teapot_error")]
    public async Task ReadError_AnthropicEnvelope_MapsTypeAndKeepsMessage(int status, string anthropicType, string openAIType, string? code)
    {
        var body = $$"""{"type":"error","error":{"type":"{{anthropicType}}","message":"max_tokens: must be <= 4096"},"request_id":"req_1"}""";
        using var response = Response((HttpStatusCode)status, body);

        var error = await Adapter().ReadErrorAsync(response, Context("""{"model":"m","messages":[]}"""), CancellationToken.None);

        Assert.That(error, Is.EqualTo(new UpstreamErrorInfo("max_tokens: must be <= 4096", openAIType, null, code)));
    }

    [Test]
    public async Task ReadError_NotAnthropicShaped_FallsBackToGenericMessage()
    {
        using var response = Response(HttpStatusCode.BadRequest, "<html>bad gateway page with secrets</html>", "text/html");

        var error = await Adapter().ReadErrorAsync(response, Context("""{"model":"m","messages":[]}"""), CancellationToken.None);

        Assert.That(error.Message, Is.EqualTo("The vendor rejected the request with status 400."));
        Assert.That(error.Type, Is.EqualTo("invalid_request_error"));
    }
}
