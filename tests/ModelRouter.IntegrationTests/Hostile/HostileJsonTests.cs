using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using static ModelRouter.IntegrationTests.Hostile.HostileGateway;

namespace ModelRouter.IntegrationTests.Hostile;

/// <summary>
/// Generated JSON against the chat endpoint and the admin API: truncated and mutated bodies, a value of every kind in
/// every field, deep nesting, long strings, invalid UTF-8, control, bidi and glob characters in model names. Every answer
/// is a success or a refusal in the right envelope, never a 500, and the gateway keeps serving.
/// </summary>
[TestFixture]
public sealed class HostileJsonTests
{
    private const string ChatBody = """{"model":"gpt-4o","stream":false,"temperature":0.5,"max_tokens":16,"n":1,"user":"u","stop":["x"],"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":"auto","response_format":{"type":"text"}}""";
    private const string RouterBody = """{"slug":"gen-router","name":"n","description":"d","active":true,"namespaces":[],"pools":[{"name":"p","modelPattern":"gpt-*","algorithm":"round_robin","priority":1,"maxAttempts":1,"failoverStatusCodes":[500],"vendors":[{"llm":"steady","weight":1,"active":true,"modelMappings":[{"source":"a","target":"b"}]}]}]}""";
    private const string LlmBody = """{"id":"gen-llm","provider":"openai","baseUrl":"http://127.0.0.1:9/v1","apiKey":"llm-key-generated-1","apiVersion":null,"connectTimeoutSeconds":1,"timeoutSeconds":2,"streamIdleTimeoutSeconds":3,"defaultMaxTokens":5,"headers":[{"name":"x-a","value":"b"}]}""";
    private const string AppBody = """{"name":"gen-app","apiKey":"app-key-generated-1","routers":["hostile"]}""";

    private static readonly int[] s_chatStatuses = [200, 400, 404, 413, 415];
    private static readonly int[] s_adminWriteStatuses = [201, 400, 409, 413, 415];

    private static readonly (string Path, string Body)[] s_adminBodies =
    [
        ("/admin/routers", RouterBody),
        ("/admin/llms", LlmBody),
        ("/admin/apps", AppBody),
    ];

    private FakeVendor _vendor = null!;
    private RouterHost _host = null!;

    [OneTimeSetUp]
    public async Task Start()
    {
        _vendor = await StartVendorAsync();
        _host = await StartAsync(_vendor);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _host.DisposeAsync();
        await _vendor.DisposeAsync();
    }

    [TearDown]
    public Task StillServes() => AssertStillServesAsync(_host);

    /// <summary>Strings that mean trouble: control and bidi characters, glob metacharacters, traversal, lone surrogates, long runs.</summary>
    private static readonly Gen<string> s_text = Gen.Frequency(
        (3, Gen.String[0, 12]),
        (2, Gen.OneOf(
            Gen.Const("*"), Gen.Const("?"), Gen.Const("[!a-z]"), Gen.Const("gpt-4o*"), Gen.Const("\\"), Gen.Const("gpt-[4"),
            Gen.Const("\u202Egpt-4o"), Gen.Const("gpt\u200F-4o"), Gen.Const("gpt\u0000-4o"), Gen.Const("\u001B[31m"), Gen.Const("\r\nX-Injected: 1"),
            Gen.Const("../../admin"), Gen.Const("%2e%2e%2f"), Gen.Const("\uD800"), Gen.Const("\uDFFF\uD800"), Gen.Const("ﾠ"), Gen.Const(""))),
        (1, Gen.Char.Select(c => new string(c, 20_000))));

    /// <summary>Any JSON value: scalars of every kind (extreme numbers, strings with control, bidi and glob characters), arrays and objects, up to three levels.</summary>
    private static readonly Gen<JsonNode?> s_value = Value(3);

    private static Gen<JsonNode?> Value(int depth)
    {
        var scalar = Gen.OneOf<JsonNode?>(
            Gen.Const((JsonNode?)null),
            Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
            Gen.Int.Select(i => (JsonNode?)JsonValue.Create(i)),
            Gen.Double.Where(double.IsFinite).Select(d => (JsonNode?)JsonValue.Create(d)),
            Gen.OneOf(Gen.Const(-1e308), Gen.Const(1e308), Gen.Const(4.9e-324), Gen.Const(-0.0)).Select(d => (JsonNode?)JsonValue.Create(d)),
            s_text.Select(s => (JsonNode?)JsonValue.Create(s)));
        if (depth == 0)
        {
            return scalar;
        }

        var inner = Value(depth - 1);
        return Gen.Frequency(
            (4, scalar),
            (1, inner.Array[0, 3].Select(items => (JsonNode?)new JsonArray([.. items.Select(i => i?.DeepClone())]))),
            (1, Gen.Select(s_text, inner).Array[0, 3].Select(Object)));
    }

    private static JsonNode? Object((string Key, JsonNode? Value)[] fields)
    {
        var result = new JsonObject();
        foreach (var (key, value) in fields)
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    /// <summary>Every field of a body, by its path, as an array of keys and indexes.</summary>
    private static List<object[]> Paths(JsonNode node, object[] prefix)
    {
        var paths = new List<object[]>();
        if (node is JsonObject obj)
        {
            foreach (var (key, child) in obj)
            {
                object[] path = [.. prefix, key];
                paths.Add(path);
                if (child is not null)
                {
                    paths.AddRange(Paths(child, path));
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                object[] path = [.. prefix, i];
                paths.Add(path);
                if (array[i] is { } child)
                {
                    paths.AddRange(Paths(child, path));
                }
            }
        }

        return paths;
    }

    /// <summary>The body with the field at <paramref name="path"/> replaced by <paramref name="value"/>.</summary>
    private static string Replace(string body, object[] path, JsonNode? value)
    {
        var root = JsonNode.Parse(body)!;
        var parent = root;
        foreach (var step in path[..^1])
        {
            parent = step is string key ? parent[key]! : parent[(int)step]!;
        }

        if (path[^1] is string last)
        {
            parent[last] = value?.DeepClone();
        }
        else
        {
            parent[(int)path[^1]] = value?.DeepClone();
        }

        return root.ToJsonString();
    }

    [Test]
    public async Task Chat_EveryFieldGetsEveryKindOfValue_SuccessOrEnvelope()
    {
        var paths = Paths(JsonNode.Parse(ChatBody)!, []);
        var gen = Gen.Select(Gen.Int[0, paths.Count - 1], s_value);
        await gen.SampleAsync(async (index, value) =>
        {
            var body = Replace(ChatBody, paths[index], value);
            var (status, contentType, answer) = await PostAsync(_host, ChatPath, body);
            Refusal.AssertChat(status, contentType, answer, s_chatStatuses, $"field {string.Join('.', paths[index])}");
        }, iter: 300, threads: 1, print: t => $"{string.Join('.', paths[t.Item1])} = {t.Item2?.ToJsonString() ?? "null"}");
    }

    [Test]
    public async Task Admin_EveryFieldGetsEveryKindOfValue_SuccessOrProblem()
    {
        var cases = s_adminBodies.SelectMany(b => Paths(JsonNode.Parse(b.Body)!, []).Select(p => (b.Path, b.Body, Field: p))).ToArray();
        var gen = Gen.Select(Gen.Int[0, cases.Length - 1], s_value);
        await gen.SampleAsync(async (index, value) =>
        {
            var (path, template, field) = cases[index];
            var (status, contentType, answer) = await PostAsync(_host, path, Replace(template, field, value));
            Refusal.AssertAdmin(status, contentType, answer, s_adminWriteStatuses, $"{path} field {string.Join('.', field)}");
        }, iter: 200, threads: 1, print: t => $"{cases[t.Item1].Path} {string.Join('.', cases[t.Item1].Field)} = {t.Item2?.ToJsonString() ?? "null"}");
    }

    [Test]
    public async Task ChatAndAdmin_TruncatedOrMutatedBody_SuccessOrRefusal()
    {
        string[] targets = [ChatPath, .. s_adminBodies.Select(b => b.Path), "/admin/import"];
        string[] bodies = [ChatBody, .. s_adminBodies.Select(b => b.Body), """{"llms":[],"routers":[],"apps":[]}"""];
        // 0: truncate at a position; 1: one byte replaced by any byte; 2: one byte inserted; 3: one byte removed.
        var gen = Gen.Select(Gen.Int[0, targets.Length - 1], Gen.Int[0, 3], Gen.Int[0, 10_000], Gen.Byte);
        await gen.SampleAsync(async (target, operation, at, value) =>
        {
            var original = Encoding.UTF8.GetBytes(bodies[target]);
            var position = at % original.Length;
            var import = targets[target] == "/admin/import";
            byte[] body = (import ? 0 : operation) switch
            {
                0 => original[..position],
                1 => [.. original[..position], value, .. original[(position + 1)..]],
                2 => [.. original[..position], value, .. original[position..]],
                _ => [.. original[..position], .. original[(position + 1)..]],
            };

            var (status, contentType, answer) = await PostAsync(_host, targets[target], body);
            var why = $"{targets[target]} op {operation} at {position}";
            if (target == 0)
            {
                Refusal.AssertChat(status, contentType, answer, s_chatStatuses, why);
            }
            else
            {
                // An import only ever gets a truncated body (never valid JSON): it must not replace the configuration.
                Refusal.AssertAdmin(status, contentType, answer, import ? [400] : s_adminWriteStatuses, why);
            }
        }, iter: 300, threads: 1);
    }

    [TestCase(70)]
    [TestCase(100_000)]
    public async Task ChatAndAdmin_DeepNesting_400(int depth)
    {
        var nested = new string('[', depth) + new string(']', depth);
        var chat = await PostAsync(_host, ChatPath, $$"""{"model":"gpt-4o","messages":[{"role":"user","content":{{nested}}}]}""");
        Refusal.AssertChat(chat.Status, chat.ContentType, chat.Body, [400], "chat");

        foreach (var (path, _) in s_adminBodies)
        {
            var admin = await PostAsync(_host, path, $$"""{"name":{{nested}}}""");
            Refusal.AssertAdmin(admin.Status, admin.ContentType, admin.Body, [400], path);
        }
    }

    [TestCase("gpt\u0000-4o")]
    [TestCase("\u202Egpt-4o")]
    [TestCase("gpt-4o\u200F")]
    [TestCase("*")]
    [TestCase("gpt-4?")]
    [TestCase("gpt-[4]o")]
    [TestCase("gpt-4o*")]
    [TestCase("\\gpt-4o")]
    [TestCase("GPT-4O")]
    public async Task Chat_ModelNameIsNotTheLiteralPattern_404ModelNotFound(string model)
    {
        // The requested name is matched, never read as a pattern: glob characters in it match nothing but themselves.
        var body = new JsonObject { ["model"] = model, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }) }.ToJsonString();

        var (status, contentType, answer) = await PostAsync(_host, $"/router/{LiteralSlug}/v1/chat/completions", body);

        Refusal.AssertChat(status, contentType, answer, [404], model);
        Assert.That(ErrorEnvelope.AssertBody(answer).Code, Is.EqualTo("model_not_found"));
    }

    [Test]
    public async Task Chat_HugeModelName_404WithAShortMessage()
    {
        var body = new JsonObject { ["model"] = new string('m', MaxBodyBytes - 100), ["messages"] = new JsonArray() }.ToJsonString();

        var (status, contentType, answer) = await PostAsync(_host, $"/router/{LiteralSlug}/v1/chat/completions", body);

        Refusal.AssertChat(status, contentType, answer, [404], "huge model name");
    }

    [Test]
    public async Task Admin_HugeStringsInEveryField_400WithAShortProblem()
    {
        var huge = new string('s', 100_000);
        foreach (var (path, template) in s_adminBodies)
        {
            foreach (var field in Paths(JsonNode.Parse(template)!, []))
            {
                var (status, contentType, answer) = await PostAsync(_host, path, Replace(template, field, JsonValue.Create(huge)));
                Refusal.AssertAdmin(status, contentType, answer, [400, 409], $"{path} {string.Join('.', field)}");
            }
        }
    }

    [TestCase(ChatPath)]
    [TestCase("/admin/routers")]
    public async Task InvalidUtf8InStrings_400(string path)
    {
        byte[] bad = [0xC3, 0x28, 0xFF, 0xED, 0xA0, 0x80];
        var chat = path == ChatPath;
        var head = Encoding.UTF8.GetBytes(chat ? "{\"model\":\"gpt" : "{\"slug\":\"a");
        var tail = Encoding.UTF8.GetBytes(chat ? "\",\"messages\":[]}" : "\",\"pools\":[]}");

        var (status, contentType, answer) = await PostAsync(_host, path, [.. head, .. bad, .. tail]);

        if (chat)
        {
            Refusal.AssertChat(status, contentType, answer, [400], "invalid UTF-8");
        }
        else
        {
            Refusal.AssertAdmin(status, contentType, answer, [400], "invalid UTF-8");
        }
    }
}
