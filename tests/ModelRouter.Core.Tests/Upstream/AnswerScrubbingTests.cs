using System.Net;
using System.Text;
using ModelRouter.Configuration;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;
using static ModelRouter.Testing.ProviderVendors;

namespace ModelRouter.Tests.Upstream;

/// <summary>
/// A successful answer reaches the caller as the vendor wrote it, except for the LLM's own secrets: a vendor that quotes
/// the router's key or configured header values in a 200 (a whole body, a content delta, an in-band error event, a key
/// cut across stream chunks) has every byte of them overwritten with <c>*</c>. Every provider adapter.
/// </summary>
public class AnswerScrubbingTests
{
    private const string OrgToken = "org-token-5c4b3a2e";

    private static readonly HeaderConfig[] s_headers = [new() { Name = "X-Org-Token", Value = OrgToken }];

    private static string KeyA => KeyOf("a");

    private static string Stars(int count) => new('*', count);

    private static HttpResponseMessage Chunked(IEnumerable<string> chunks)
    {
        var response = Response(HttpStatusCode.OK, [], "text/event-stream");
        var headers = response.Content.Headers;
        response.Content = new StreamContent(new ChunkStream([.. chunks.Select(Encoding.UTF8.GetBytes)]));
        response.Content.Headers.ContentType = headers.ContentType;
        return response;
    }

    private static async Task<string> RouteAsync(RouterHarness h, bool streaming)
    {
        await using var response = await h.RouteAsync(Bodies.Chat("m", streaming));
        return await Bodies.ReadAllAsync(response);
    }

    [Test]
    public async Task RouteAsync_AnswerQuotesTheKeyAndAHeaderValue_CallerSeesThemMasked(
        [ValueSource(typeof(ProviderVendors), nameof(Kinds))] string provider,
        [Values] bool streaming)
    {
        await using var h = RouterHarness.Create(Config(provider, s_headers));
        var text = $"Your key is {KeyA}, your token {OrgToken}.";
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(_ => Response(HttpStatusCode.OK, Encoding.UTF8.GetBytes(Answer(provider, streaming, text)), MediaType(streaming)));

        var answer = await RouteAsync(h, streaming);

        Assert.Multiple(() =>
        {
            Assert.That(answer, Does.Contain($"Your key is {Stars(KeyA.Length)}, your token {Stars(OrgToken.Length)}."));
            Assert.That(answer, Does.Not.Contain(KeyA[..8]).And.Not.Contain(OrgToken[..8]));
        });
        h.Http.VerifyNoOutstandingExpectation();
    }

    [Test]
    public async Task RouteAsync_OpenAIStreamQuotesSecretsInADeltaAndAnInBandError_CallerSeesThemMasked(
        [Values(ProviderKinds.OpenAI, ProviderKinds.AzureOpenAI)] string provider)
    {
        await using var h = RouterHarness.Create(Config(provider, s_headers));
        var stream =
            $$$"""data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"key {{{KeyA}}}"}}]}""" + "\n\n"
            + $$$"""data: {"error":{"message":"Bearer {{{KeyA}}} with X-Org-Token {{{OrgToken}}} is over quota","type":"rate_limit_{{{KeyA}}}","param":null,"code":"{{{OrgToken}}}"}}""" + "\n\n"
            + "data: [DONE]\n\n";
        h.Http.Expect(HttpMethod.Post, UrlA(provider)).Respond(_ => Response(HttpStatusCode.OK, Encoding.UTF8.GetBytes(stream), "text/event-stream"));

        var answer = await RouteAsync(h, streaming: true);

        var key = Stars(KeyA.Length);
        var token = Stars(OrgToken.Length);
        Assert.That(answer, Is.EqualTo(stream.Replace(KeyA, key, StringComparison.Ordinal).Replace(OrgToken, token, StringComparison.Ordinal)));
        Assert.That(answer, Does.Contain($"\"key {key}\"").And.Contain($"Bearer {key} with X-Org-Token {token} is over quota").And.Contain($"\"code\":\"{token}\""));
    }

    /// <summary>
    /// The key cut in two by the vendor's chunks (0 means every byte in its own chunk): the part in the later chunk is
    /// always masked, the part in the earlier one when it is 8 bytes or more; at most the first 7 bytes pass.
    /// </summary>
    [TestCase(1)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(8)]
    [TestCase(12)]
    [TestCase(16)]
    [TestCase(17)]
    [TestCase(0)]
    public async Task RouteAsync_KeyCutAcrossStreamChunks_NoMoreThanItsFirst7BytesPass(int cut)
    {
        await using var h = RouterHarness.Create(Config(ProviderKinds.OpenAI, s_headers));
        const string First = """data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi"}}]}""" + "\n\n";
        var before = """data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"key """;
        var after = "\"}}]}\n\ndata: [DONE]\n\n";
        var keyChunks = cut == 0 ? KeyA.Select(c => c.ToString()) : [KeyA[..cut], KeyA[cut..]];
        h.Http.Expect(HttpMethod.Post, UrlA(ProviderKinds.OpenAI)).Respond(_ => Chunked([First, before + keyChunks.First(), .. keyChunks.Skip(1), after]));

        var answer = await RouteAsync(h, streaming: true);

        var passed = cut == 0 ? 7 : cut < 8 ? cut : 0;
        Assert.That(answer, Is.EqualTo(First + before + KeyA[..passed] + Stars(KeyA.Length - passed) + after));
    }

    [Test]
    public async Task RouteAsync_AnthropicStreamDeltaQuotesTheKey_CallerSeesItMasked()
    {
        await using var h = RouterHarness.Create(Config(ProviderKinds.Anthropic, s_headers));
        var stream = AnthropicEvents(
            """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-x","usage":{"input_tokens":3,"output_tokens":1}}}""",
            """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Here: "}}""",
            $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"key {{{KeyA}}} and {{{OrgToken}}}"}}""",
            """{"type":"content_block_stop","index":0}""",
            """{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}""",
            """{"type":"message_stop"}""");
        h.Http.Expect(HttpMethod.Post, UrlA(ProviderKinds.Anthropic)).Respond(_ => Response(HttpStatusCode.OK, Encoding.UTF8.GetBytes(stream), "text/event-stream"));

        var answer = await RouteAsync(h, streaming: true);

        Assert.Multiple(() =>
        {
            Assert.That(answer, Does.Contain("\"content\":\"Here: \""));
            Assert.That(answer, Does.Contain($"\"content\":\"key {Stars(KeyA.Length)} and {Stars(OrgToken.Length)}\""));
            Assert.That(answer, Does.Not.Contain(KeyA[..8]).And.Not.Contain(OrgToken[..8]));
        });
    }

    /// <summary>A response body that hands out one given chunk per read, as a vendor's packets would arrive.</summary>
    private sealed class ChunkStream(byte[][] chunks) : ReadOnlyTestStream
    {
        private int _next;
        private int _offset;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_next == chunks.Length)
            {
                return 0;
            }

            var chunk = chunks[_next].AsSpan(_offset);
            var n = Math.Min(chunk.Length, buffer.Length);
            chunk[..n].CopyTo(buffer);
            _offset += n;
            if (_offset == chunks[_next].Length)
            {
                _next++;
                _offset = 0;
            }

            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
            => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            => Task.FromResult(Read(buffer.AsSpan(offset, count)));
    }
}
