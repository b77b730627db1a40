using System.Buffers;
using ModelRouter.Model;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;

namespace ModelRouter.Benchmarks;

/// <summary>
/// Reading the model out of a chat body and forwarding it with the model replaced. Baseline: <see cref="JsonDocument.Parse(ReadOnlyMemory{byte}, JsonDocumentOptions)"/>
/// plus reading <c>model</c>, the usual way to get at one field. For scale: a plain copy of the body, and the naive
/// rewrite (<see cref="JsonNode"/> parse, set, serialize).
/// </summary>
[MemoryDiagnoser]
public class BodyRewriteBenchmarks
{
    private byte[] _body = null!;
    private byte[] _modelJson = null!;
    private ArrayBufferWriter<byte> _output = null!;

    /// <summary>Gets or sets the approximate body size in bytes.</summary>
    [Params(1024, 100 * 1024)]
    public int BodyBytes { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _body = CreateBody(BodyBytes);
        _modelJson = ChatRequestBody.EncodeModel("gpt-4o-2024-08-06");
        _output = new ArrayBufferWriter<byte>(_body.Length * 2);
    }

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse + read model")]
    public string? JsonDocumentParse()
    {
        using var document = JsonDocument.Parse(_body);
        return document.RootElement.GetProperty("model").GetString();
    }

    [Benchmark(Description = "Plain copy of the body")]
    public int PlainCopy() => _body.AsSpan().ToArray().Length;

    [Benchmark(Description = "Naive: JsonNode parse, set, write")]
    public int JsonNodeRewrite()
    {
        var node = JsonNode.Parse(_body)!;
        node["model"] = "gpt-4o-2024-08-06";
        _output.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(_output))
        {
            node.WriteTo(writer);
        }

        return _output.WrittenCount;
    }

    [Benchmark(Description = "ChatRequestBody.Parse")]
    public string Parse() => ChatRequestBody.Parse(_body).Model;

    [Benchmark(Description = "Parse + RewriteModel (new array)")]
    public int ParseAndRewrite() => ChatRequestBody.Parse(_body).RewriteModel(_modelJson).Length;

    [Benchmark(Description = "Parse + CreateContent, copied out")]
    public async Task<long> ParseAndCreateContent()
    {
        using var content = ChatRequestBody.Parse(_body).CreateContent(_modelJson);
        await content.CopyToAsync(Stream.Null).ConfigureAwait(false);
        return content.Headers.ContentLength ?? 0;
    }

    /// <summary>A typical chat body of about <paramref name="size"/> bytes: a system and a user message, options, the model last.</summary>
    internal static byte[] CreateBody(int size)
    {
        const string Head = "{\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant. Answer briefly.\"},{\"role\":\"user\",\"content\":\"";
        const string Tail = "\"}],\"temperature\":0.2,\"max_tokens\":512,\"stream\":false,\"model\":\"gpt-4o\"}";
        var text = new StringBuilder();
        var sentence = "The quick brown fox jumps over the lazy dog, \\\"twice\\\".\\n ";
        while (Head.Length + text.Length + Tail.Length < size)
        {
            text.Append(sentence);
        }

        var json = Head + text.ToString(0, Math.Max(0, Math.Min(text.Length, size - Head.Length - Tail.Length))).TrimEnd('\\') + Tail;
        var bytes = Encoding.UTF8.GetBytes(json);
        using var check = JsonDocument.Parse(bytes);
        return bytes;
    }
}
