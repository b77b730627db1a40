using System.Text;
using ModelRouter.Configuration;
using ModelRouter.Upstream.Gemini;
using static ModelRouter.Testing.UpstreamTestKit;

namespace ModelRouter.Tests.Upstream.Gemini;

/// <summary>Golden tests: OpenAI chat completion request in, Gemini <c>GenerateContentRequest</c> out.</summary>
public class GeminiRequestGoldenTests
{
    private static readonly LlmConfig s_llm = new() { Id = "gemini", Provider = ProviderKinds.Gemini, BaseUrl = "https://generativelanguage.example", ApiKey = "AIza-test-secret-key" };

    [Test]
    public async Task CreateRequest_SystemMultiTurnAndSampling_TranslatesToContentsAndGenerationConfig()
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
              "presence_penalty": 0.5,
              "seed": 7,
              "stop": ["END", "STOP"],
              "response_format": { "type": "json_object" },
              "user": "user-42",
              "n": 1
            }
            """;
        const string expected = """
            {
              "contents": [
                { "role": "user", "parts": [ { "text": "Hello" }, { "text": "Are you there?" } ] },
                { "role": "model", "parts": [ { "text": "Oui." } ] },
                { "role": "user", "parts": [ { "text": "Why \"oui\"? Ünïcödé ✓" } ] }
              ],
              "systemInstruction": { "parts": [ { "text": "You are terse." }, { "text": "Answer in French." } ] },
              "generationConfig": {
                "temperature": 0.2,
                "topP": 0.9,
                "presencePenalty": 0.5,
                "maxOutputTokens": 300,
                "seed": 7,
                "stopSequences": [ "END", "STOP" ],
                "responseMimeType": "application/json"
              }
            }
            """;

        using var request = new GeminiProviderAdapter().CreateRequest(Context(input, s_llm, targetModel: "gemini-2.0-flash"));

        Assert.That(request.RequestUri, Is.EqualTo(new Uri("https://generativelanguage.example/v1beta/models/gemini-2.0-flash:generateContent")));
        Assert.That(request.Headers.GetValues("x-goog-api-key").Single(), Is.EqualTo("AIza-test-secret-key"));
        Assert.That(request.RequestUri!.ToString(), Does.Not.Contain("AIza"), "the key never travels in the URL");
        Assert.That(request.Headers.Authorization, Is.Null);
        Assert.That(request.Headers.Accept.Single().MediaType, Is.EqualTo("application/json"));
        AssertJsonEqual(await request.Content!.ReadAsStringAsync(), expected);
    }

    [Test]
    public void CreateRequest_Streaming_UsesStreamGenerateContentWithSse()
    {
        var llm = s_llm with { BaseUrl = "https://generativelanguage.example/v1beta/" };
        using var request = new GeminiProviderAdapter().CreateRequest(Context("""{"model":"models/gemini-2.5-pro","stream":true,"messages":[{"role":"user","content":"Hi"}]}""", llm));

        Assert.That(request.RequestUri, Is.EqualTo(new Uri("https://generativelanguage.example/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse")));
        Assert.That(request.Headers.Accept.Single().MediaType, Is.EqualTo("text/event-stream"));
    }

    [Test]
    public void Translate_ImagesToolsToolCallsAndToolResults_BecomeGeminiParts()
    {
        const string input = """
            {
              "model": "m",
              "messages": [
                { "role": "user", "content": [
                  { "type": "text", "text": "What is in these?" },
                  { "type": "image_url", "image_url": { "url": "data:image/PNG;base64,iVBORw0KGgo=" } },
                  { "type": "image_url", "image_url": { "url": "https://example.com/cat.jpeg?size=large" } },
                  { "type": "image_url", "image_url": { "url": "https://example.com/picture" } }
                ] },
                { "role": "assistant", "content": "Let me check.", "tool_calls": [
                  { "id": "call_1", "type": "function", "function": { "name": "get_weather", "arguments": "{\"city\":\"Paris\"}" } },
                  { "id": "call_2", "type": "function", "function": { "name": "get_time", "arguments": "" } }
                ] },
                { "role": "tool", "tool_call_id": "call_1", "content": "{\"temp\":18}" },
                { "role": "tool", "tool_call_id": "call_2", "content": "noon" }
              ],
              "tools": [
                { "type": "function", "function": { "name": "get_weather", "description": "Weather now",
                  "parameters": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"], "additionalProperties": false } } },
                { "type": "function", "function": { "name": "get_time" } }
              ],
              "tool_choice": { "type": "function", "function": { "name": "get_weather" } }
            }
            """;
        const string expected = """
            {
              "contents": [
                { "role": "user", "parts": [
                  { "text": "What is in these?" },
                  { "inlineData": { "mimeType": "image/png", "data": "iVBORw0KGgo=" } },
                  { "fileData": { "mimeType": "image/jpeg", "fileUri": "https://example.com/cat.jpeg?size=large" } },
                  { "fileData": { "fileUri": "https://example.com/picture" } }
                ] },
                { "role": "model", "parts": [
                  { "text": "Let me check." },
                  { "functionCall": { "id": "call_1", "name": "get_weather", "args": { "city": "Paris" } } },
                  { "functionCall": { "id": "call_2", "name": "get_time", "args": {} } }
                ] },
                { "role": "user", "parts": [
                  { "functionResponse": { "id": "call_1", "name": "get_weather", "response": { "temp": 18 } } },
                  { "functionResponse": { "id": "call_2", "name": "get_time", "response": { "result": "noon" } } }
                ] }
              ],
              "tools": [ { "functionDeclarations": [
                { "name": "get_weather", "description": "Weather now",
                  "parametersJsonSchema": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"], "additionalProperties": false } },
                { "name": "get_time" }
              ] } ],
              "toolConfig": { "functionCallingConfig": { "mode": "ANY", "allowedFunctionNames": [ "get_weather" ] } }
            }
            """;

        AssertJsonEqual(Encoding.UTF8.GetString(GeminiRequestTranslator.Translate(Encoding.UTF8.GetBytes(input))), expected);
    }

    [TestCase("auto", "AUTO")]
    [TestCase("none", "NONE")]
    [TestCase("required", "ANY")]
    public void Translate_ToolChoiceString_MapsToFunctionCallingMode(string choice, string mode)
    {
        var input = $$$"""{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"{{{choice}}}"}""";
        var expected = """{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"toolConfig":{"functionCallingConfig":{"mode":""" + "\"" + mode + "\"}}}";

        AssertJsonEqual(Encoding.UTF8.GetString(GeminiRequestTranslator.Translate(Encoding.UTF8.GetBytes(input))), expected);
    }

    [Test]
    public void Translate_JsonSchemaResponseFormatAndSeveralChoices_GoToGenerationConfig()
    {
        const string input = """{"model":"m","n":2,"messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"}}}}""";
        const string expected = """{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"generationConfig":{"candidateCount":2,"responseMimeType":"application/json","responseJsonSchema":{"type":"object"}}}""";

        AssertJsonEqual(Encoding.UTF8.GetString(GeminiRequestTranslator.Translate(Encoding.UTF8.GetBytes(input))), expected);
    }

    [TestCase("""{"model":"m","logprobs":true,"messages":[{"role":"user","content":"Hi"}]}""", "logprobs")]
    [TestCase("""{"model":"m","logit_bias":{"1":2},"messages":[{"role":"user","content":"Hi"}]}""", "logit_bias")]
    [TestCase("""{"model":"m","audio":{},"messages":[{"role":"user","content":"Hi"}]}""", "audio")]
    [TestCase("""{"model":"m","messages":[{"role":"tool","tool_call_id":"nope","content":"x"}]}""", "messages[0].tool_call_id")]
    [TestCase("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ftp://x/y.png"}}]}]}""", "messages[0].content[0].image_url.url")]
    [TestCase("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}""", "messages[0].content[0].image_url.url")]
    [TestCase("""{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"[1]"}}]}]}""", "messages[0].tool_calls[0].function.arguments")]
    [TestCase("""{"model":"m","tool_choice":"sometimes","messages":[{"role":"user","content":"Hi"}]}""", "tool_choice")]
    [TestCase("""{"model":"m","response_format":{"type":"json_schema"},"messages":[{"role":"user","content":"Hi"}]}""", "response_format")]
    [TestCase("""{"model":"m","messages":[{"role":"robot","content":"Hi"}]}""", "messages[0].role")]
    public void Translate_WhatGeminiCannotHonour_Is400NamingTheField(string input, string param)
    {
        var ex = Assert.Throws<ModelRouterException>(() => GeminiRequestTranslator.Translate(Encoding.UTF8.GetBytes(input)));

        Assert.That(ex!.Kind, Is.EqualTo(ModelRouterErrorKind.InvalidRequest));
        Assert.That(ex.StatusCode, Is.EqualTo(400));
        Assert.That(ex.Param, Is.EqualTo(param));
    }
}
