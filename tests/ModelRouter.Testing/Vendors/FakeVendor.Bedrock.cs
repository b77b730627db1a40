using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Amazon.Runtime.Internal.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ModelRouter.Testing;

/// <summary>
/// Amazon Bedrock's runtime on the fake vendor: <c>POST /model/{modelId}/converse</c> and <c>/converse-stream</c>, signed
/// with AWS Signature Version 4. The fake checks the signature by recomputing it from what arrived on the wire (the raw
/// path, the signed headers it names, the body's hash) with the same credentials, and refuses a mismatch with 403
/// <c>InvalidSignatureException</c>, as AWS does. Answers follow the Converse wire format; streams are AWS event-stream
/// messages. It answers with a <c>toolUse</c> when the request has a <c>toolConfig</c> and its last turn holds no
/// <c>toolResult</c>, else with text.
/// </summary>
internal sealed partial class FakeVendor
{
    /// <summary>The access key id the Bedrock endpoint accepts.</summary>
    public const string BedrockAccessKeyId = "AKIAFAKEBEDROCK0001";

    /// <summary>The secret access key the Bedrock endpoint signs with.</summary>
    public const string BedrockSecretKey = "fakeBedrockSecretKey/0123456789abcdefghij";

    /// <summary>The region the Bedrock endpoint expects in the credential scope.</summary>
    public const string BedrockRegion = "us-west-2";

    /// <summary>The Bedrock endpoint's text answer.</summary>
    public const string BedrockReply = "Hello from fake Bedrock ✓";

    /// <summary>Gets the number of Bedrock requests whose signature the fake verified.</summary>
    public int VerifiedSignatures => _verifiedSignatures;

    private int _verifiedSignatures;

    /// <summary>Recomputes a SigV4 signature of a received request; null when the request carries none, or one of another key or scope.</summary>
    public static string? ExpectedSignature(HttpContext context, byte[] body, string accessKeyId, string secretKey, string region, string service, out string? sent)
    {
        sent = null;
        var authorization = context.Request.Headers.Authorization.ToString();
        const string prefix = "AWS4-HMAC-SHA256 ";
        if (!authorization.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var fields = authorization[prefix.Length..].Split(',', StringSplitOptions.TrimEntries)
            .Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f.Length > 1 ? f[1] : "");
        var amzDate = context.Request.Headers["X-Amz-Date"].ToString();
        if (!fields.TryGetValue("Credential", out var credential) || !fields.TryGetValue("SignedHeaders", out var signedHeaders)
            || !fields.TryGetValue("Signature", out sent) || amzDate.Length != 16
            || credential != $"{accessKeyId}/{amzDate[..8]}/{region}/{service}/aws4_request")
        {
            return null;
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var rawPath = query < 0 ? rawTarget : rawTarget[..query];
        var canonical = new StringBuilder()
            .Append(context.Request.Method).Append('\n')
            .AppendJoin('/', rawPath.Split('/').Select(Uri.EscapeDataString)).Append('\n')
            .Append('\n');
        foreach (var name in signedHeaders.Split(';'))
        {
            var value = name == "host" ? context.Request.Host.Value : context.Request.Headers[name].ToString();
            canonical.Append(name).Append(':').Append(value!.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Convert.ToHexStringLower(SHA256.HashData(body)));
        var signedAt = DateTime.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        return AWS4Signer.ComputeSignature(accessKeyId, secretKey, region, signedAt, service, signedHeaders, canonical.ToString()).Signature;
    }

    private async Task HandleBedrockAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        var body = buffer.ToArray();
        var expected = ExpectedSignature(context, body, BedrockAccessKeyId, BedrockSecretKey, BedrockRegion, "bedrock", out var sent);
        if (expected is null || sent is null || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(sent)))
        {
            await WriteAwsErrorAsync(context, 403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided.");
            return;
        }

        Interlocked.Increment(ref _verifiedSignatures);
        var operation = (string)context.Request.RouteValues["operation"]!;
        var text = Encoding.UTF8.GetString(body);
        var json = JsonNode.Parse(text)!.AsObject();
        Requests.Enqueue(new VendorRequest(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), text, json));
        if (json["messages"] is not JsonArray { Count: > 0 } messages)
        {
            await WriteAwsErrorAsync(context, 400, "ValidationException", "The model returned the following errors: messages: at least one message is required");
            return;
        }

        var last = messages[^1]!["content"]!.AsArray();
        var useTool = json["toolConfig"] is not null && !last.Any(b => b?["toolResult"] is not null);
        context.Response.Headers["x-amzn-RequestId"] = "fake-bedrock-request-1";
        if (operation == "converse")
        {
            context.Response.ContentType = "application/json";
            JsonNode content = useTool
                ? new JsonArray(new JsonObject { ["text"] = "Let me check." }, new JsonObject { ["toolUse"] = new JsonObject { ["toolUseId"] = "tooluse_fake01", ["name"] = "get_weather", ["input"] = new JsonObject { ["city"] = "Paris" } } })
                : new JsonArray(new JsonObject { ["text"] = BedrockReply });
            var answer = new JsonObject
            {
                ["output"] = new JsonObject { ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = content } },
                ["stopReason"] = useTool ? "tool_use" : "end_turn",
                ["usage"] = new JsonObject { ["inputTokens"] = 14, ["outputTokens"] = 6, ["totalTokens"] = 20 },
                ["metrics"] = new JsonObject { ["latencyMs"] = 321 },
            };
            await context.Response.WriteAsync(answer.ToJsonString());
            return;
        }

        if (operation != "converse-stream")
        {
            await WriteAwsErrorAsync(context, 404, "UnknownOperationException", "Unknown operation " + operation);
            return;
        }

        context.Response.ContentType = BedrockEvents.MediaType;
        await context.Response.StartAsync(context.RequestAborted);
        List<byte[]> events = [BedrockEvents.Event("messageStart", """{"role":"assistant"}""")];
        if (useTool)
        {
            events.Add(BedrockEvents.Event("contentBlockStart", """{"contentBlockIndex":0,"start":{"toolUse":{"toolUseId":"tooluse_fake01","name":"get_weather"}}}"""));
            events.Add(BedrockEvents.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"toolUse":{"input":"{\"city\": "}}}"""));
            events.Add(BedrockEvents.Event("contentBlockDelta", """{"contentBlockIndex":0,"delta":{"toolUse":{"input":"\"Paris\"}"}}}"""));
        }
        else
        {
            foreach (var piece in new[] { BedrockReply[..6], BedrockReply[6..] })
            {
                events.Add(BedrockEvents.Event("contentBlockDelta", $$$"""{"contentBlockIndex":0,"delta":{"text":{{{System.Text.Json.JsonSerializer.Serialize(piece)}}}}}"""));
            }
        }

        events.Add(BedrockEvents.Event("contentBlockStop", """{"contentBlockIndex":0}"""));
        events.Add(BedrockEvents.Event("messageStop", useTool ? """{"stopReason":"tool_use"}""" : """{"stopReason":"end_turn"}"""));
        events.Add(BedrockEvents.Event("metadata", """{"usage":{"inputTokens":14,"outputTokens":6,"totalTokens":20},"metrics":{"latencyMs":321}}"""));
        foreach (var message in events)
        {
            await context.Response.Body.WriteAsync(message, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static async Task WriteAwsErrorAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["x-amzn-ErrorType"] = type + ":http://internal.amazon.com/coral/com.amazon.bedrock/";
        await context.Response.WriteAsync(new JsonObject { ["message"] = message }.ToJsonString());
    }
}
