using System.Text;
using ModelRouter.Configuration;
using ModelRouter.Upstream.Anthropic;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Anthropic;

/// <summary>Golden tests: OpenAI chat completion request in, Anthropic Messages request out.</summary>
public class AnthropicRequestGoldenTests
{
    [Test]
    public async Task CreateRequest_SystemPromptsAndMultiTurn_TranslatesAndMergesTurns()
    {
        const string input = """
            {
              "model": "gpt-4",
              "messages": [
                { "role": "system", "content": "You are terse." },
                { "role": "developer", "content": [ { "type": "text", "text": "Answer in French." } ] },
                { "role": "user", "content": "Hello" },
                { "role": "user", "content": [ { "type": "text", "text": "Are you there?" } ] },
                { "role": "assistant", "content": "Oui." },
                { "role": "user", "content": "Why \"oui\"? Ünïcödé ✓" }
              ],
              "max_completion_tokens": 300,
              "temperature": 0.2,
              "top_p": 0.9,
              "stop": "END",
              "user": "user-42",
              "stream": true,
              "stream_options": { "include_usage": true },
              "n": 1,
              "seed": 7
            }
            """;
        const string expected = """
            {
              "model": "claude-3-opus-20240229",
              "max_tokens": 300,
              "system": [ { "type": "text", "text": "You are terse." }, { "type": "text", "text": "Answer in French." } ],
              "messages": [
                { "role": "user", "content": [ { "type": "text", "text": "Hello" }, { "type": "text", "text": "Are you there?" } ] },
                { "role": "assistant", "content": [ { "type": "text", "text": "Oui." } ] },
                { "role": "user", "content": [ { "type": "text", "text": "Why \"oui\"? Ünïcödé ✓" } ] }
              ],
              "temperature": 0.2,
              "top_p": 0.9,
              "stop_sequences": [ "END" ],
              "metadata": { "user_id": "user-42" },
              "stream": true
            }
            """;

        var context = Context(input, targetModel: "claude-3-opus-20240229");
        using var request = new AnthropicProviderAdapter().CreateRequest(context);

        Assert.That(request.RequestUri, Is.EqualTo(new Uri("https://api.anthropic.example/v1/messages")));
        Assert.That(request.Headers.GetValues("x-api-key").Single(), Is.EqualTo("sk-test-secret"));
        Assert.That(request.Headers.GetValues("anthropic-version").Single(), Is.EqualTo("2023-06-01"));
        Assert.That(request.Headers.Accept.Single().MediaType, Is.EqualTo("text/event-stream"));
        Assert.That(request.Headers.Authorization, Is.Null, "the key travels only in x-api-key");
        AssertJsonEqual(await request.Content!.ReadAsStringAsync(), expected);
    }

    [Test]
    public void Translate_OneSystemMessage_IsAPlainString()
    {
        const string input = """{"model":"m","messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"Hi"}],"max_tokens":10}""";
        const string expected = """{"model":"m","max_tokens":10,"system":"Be kind.","messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}]}""";

        AssertJsonEqual(Encoding.UTF8.GetString(AnthropicRequestTranslator.Translate(Encoding.UTF8.GetBytes(input), "m", null)), expected);
    }

    [Test]
    public void Translate_ToolsToolCallsAndToolResults_BecomeToolUseAndToolResultBlocks()
    {
        const string input = """
            {
              "model": "claude-x",
              "messages": [
                { "role": "user", "content": "Weather in Paris and Rome?" },
                { "role": "assistant", "content": "Let me check.", "tool_calls": [
                  { "id": "call_1", "type": "function", "function": { "name": "get_weather", "arguments": "{\"city\":\"Paris\"}" } },
                  { "id": "call_2", "type": "function", "function": { "name": "get_weather", "arguments": "{\"city\":\"Rome\"}" } },
                  { "id": "call_3", "type": "function", "function": { "name": "get_time", "arguments": "" } }
                ] },
                { "role": "tool", "tool_call_id": "call_1", "content": "18C, sunny" },
                { "role": "tool", "tool_call_id": "call_2", "content": [ { "type": "text", "text": "25C" } ] },
                { "role": "tool", "tool_call_id": "call_3", "content": "12:00" },
                { "role": "user", "content": "Thanks; summarise." }
              ],
              "tools": [
                { "type": "function", "function": { "name": "get_weather", "description": "Current weather",
                  "parameters": { "type": "object", "properties": { "city": { "type": "string" } }, "required": [ "city" ] } } },
                { "type": "function", "function": { "name": "get_time" } }
              ],
              "tool_choice": { "type": "function", "function": { "name": "get_weather" } },
              "parallel_tool_calls": false
            }
            """;
        const string expected = """
            {
              "model": "claude-x",
              "max_tokens": 4096,
              "messages": [
                { "role": "user", "content": [ { "type": "text", "text": "Weather in Paris and Rome?" } ] },
                { "role": "assistant", "content": [
                  { "type": "text", "text": "Let me check." },
                  { "type": "tool_use", "id": "call_1", "name": "get_weather", "input": { "city": "Paris" } },
                  { "type": "tool_use", "id": "call_2", "name": "get_weather", "input": { "city": "Rome" } },
                  { "type": "tool_use", "id": "call_3", "name": "get_time", "input": {} }
                ] },
                { "role": "user", "content": [
                  { "type": "tool_result", "tool_use_id": "call_1", "content": "18C, sunny" },
                  { "type": "tool_result", "tool_use_id": "call_2", "content": [ { "type": "text", "text": "25C" } ] },
                  { "type": "tool_result", "tool_use_id": "call_3", "content": "12:00" },
                  { "type": "text", "text": "Thanks; summarise." }
                ] }
              ],
              "tools": [
                { "name": "get_weather", "description": "Current weather",
                  "input_schema": { "type": "object", "properties": { "city": { "type": "string" } }, "required": [ "city" ] } },
                { "name": "get_time", "input_schema": { "type": "object", "properties": {} } }
              ],
              "tool_choice": { "type": "tool", "name": "get_weather", "disable_parallel_tool_use": true }
            }
            """;

        AssertJsonEqual(Encoding.UTF8.GetString(AnthropicRequestTranslator.Translate(Encoding.UTF8.GetBytes(input), "claude-x", null)), expected);
    }

    [TestCase("\"auto\"", """{"type":"auto"}""")]
    [TestCase("\"none\"", """{"type":"none"}""")]
    [TestCase("\"required\"", """{"type":"any"}""")]
    [TestCase("{\"type\":\"function\",\"function\":{\"name\":\"f\"}}", """{"type":"tool","name":"f"}""")]
    public void Translate_ToolChoice_MapsToAnthropicToolChoice(string choice, string expected)
    {
        var input = """{"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":""" + choice + "}";
        var output = Encoding.UTF8.GetString(AnthropicRequestTranslator.Translate(Encoding.UTF8.GetBytes(input), "m", null));

        using var document = System.Text.Json.JsonDocument.Parse(output);
        AssertJsonEqual(document.RootElement.GetProperty("tool_choice").GetRawText(), expected);
    }

    [Test]
    public void Translate_Images_BecomeBase64AndUrlSources()
    {
        const string input = """
            {
              "model": "m",
              "messages": [ { "role": "user", "content": [
                { "type": "text", "text": "What differs?" },
                { "type": "image_url", "image_url": { "url": "data:image/PNG;base64,iVBORw0KGgo=", "detail": "high" } },
                { "type": "image_url", "image_url": { "url": "https://img.example/cat.jpg" } }
              ] } ],
              "stop": [ "\n\nHuman:", "STOP" ]
            }
            """;
        const string expected = """
            {
              "model": "m",
              "max_tokens": 1000,
              "messages": [ { "role": "user", "content": [
                { "type": "text", "text": "What differs?" },
                { "type": "image", "source": { "type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo=" } },
                { "type": "image", "source": { "type": "url", "url": "https://img.example/cat.jpg" } }
              ] } ],
              "stop_sequences": [ "\n\nHuman:", "STOP" ]
            }
            """;

        AssertJsonEqual(Encoding.UTF8.GetString(AnthropicRequestTranslator.Translate(Encoding.UTF8.GetBytes(input), "m", defaultMaxTokens: 1000)), expected);
    }

    [Test]
    public async Task CreateRequest_ConfiguredVersionAndHeaders_AreSent()
    {
        var llm = new LlmConfig
        {
            Id = "c", Provider = ProviderKinds.Anthropic, BaseUrl = "https://api.anthropic.example/v1", ApiKey = "k",
            ApiVersion = "2024-01-01", DefaultMaxTokens = 77, Headers = [new HeaderConfig { Name = "anthropic-beta", Value = "x-2025" }],
        };
        using var request = new AnthropicProviderAdapter().CreateRequest(Context("""{"model":"m","messages":[{"role":"user","content":"x"}]}""", llm));

        Assert.That(request.RequestUri, Is.EqualTo(new Uri("https://api.anthropic.example/v1/messages")), "a trailing /v1 is not doubled");
        Assert.That(request.Headers.GetValues("anthropic-version").Single(), Is.EqualTo("2024-01-01"));
        Assert.That(request.Headers.GetValues("anthropic-beta").Single(), Is.EqualTo("x-2025"));
        Assert.That(request.Headers.Accept.Single().MediaType, Is.EqualTo("application/json"));
        Assert.That(await request.Content!.ReadAsStringAsync(), Does.Contain("\"max_tokens\":77"));
    }

    [TestCase("\"n\":2", "n")]
    [TestCase("\"logprobs\":true", "logprobs")]
    [TestCase("\"top_logprobs\":3", "top_logprobs")]
    [TestCase("\"logit_bias\":{\"50256\":-100}", "logit_bias")]
    [TestCase("\"presence_penalty\":0.5", "presence_penalty")]
    [TestCase("\"frequency_penalty\":1", "frequency_penalty")]
    [TestCase("\"response_format\":{\"type\":\"json_object\"}", "response_format")]
    [TestCase("\"audio\":{\"voice\":\"alloy\"}", "audio")]
    [TestCase("\"modalities\":[\"text\",\"audio\"]", "modalities")]
    [TestCase("\"functions\":[{\"name\":\"f\"}]", "functions")]
    [TestCase("\"tools\":[{\"type\":\"custom\",\"custom\":{\"name\":\"x\"}}]", "tools[0]")]
    [TestCase("\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{}}]}]", "messages[0].content[0]")]
    [TestCase("\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]}]", "messages[0].tool_calls[0].function.arguments")]
    public void CreateRequest_UnsupportedParameter_Is400NamingIt(string field, string param)
    {
        var input = field.StartsWith("\"messages\"", StringComparison.Ordinal)
            ? $$"""{"model":"m",{{field}}}"""
            : $$"""{"model":"m","messages":[{"role":"user","content":"x"}],{{field}}}""";

        var ex = Assert.Throws<ModelRouterException>(() => new AnthropicProviderAdapter().CreateRequest(Context(input)));

        Assert.That(ex!.Kind, Is.EqualTo(ModelRouterErrorKind.InvalidRequest));
        Assert.That(ex.StatusCode, Is.EqualTo(400));
        Assert.That(ex.Param, Is.EqualTo(param));
        Assert.That(ex.Message, Does.Not.Contain("sk-test-secret"));
    }

    [Test]
    public void Translate_HarmlessDefaults_AreAccepted()
    {
        const string input = """{"model":"m","messages":[{"role":"user","content":"x"}],"n":1,"logprobs":false,"presence_penalty":0,"frequency_penalty":0,"logit_bias":{},"response_format":{"type":"text"},"modalities":["text"],"top_logprobs":null}""";

        Assert.DoesNotThrow(() => AnthropicRequestTranslator.Translate(Encoding.UTF8.GetBytes(input), "m", null));
    }
}
