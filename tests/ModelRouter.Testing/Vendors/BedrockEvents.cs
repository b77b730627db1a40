using System.Text;
using Amazon.Runtime.EventStreams;

namespace ModelRouter.Testing;

/// <summary>Builds ConverseStream bodies in AWS's event-stream framing (AWSSDK.Core's encoder, CRCs included).</summary>
internal static class BedrockEvents
{
    public const string MediaType = "application/vnd.amazon.eventstream";

    /// <summary>One <c>event</c> message of type <paramref name="eventType"/> with a JSON payload.</summary>
    public static byte[] Event(string eventType, string json) => Message(
        [Header(":event-type", eventType), Header(":content-type", "application/json"), Header(":message-type", "event")], json);

    /// <summary>One <c>exception</c> message, as Bedrock sends a throttling or service error in the middle of a stream.</summary>
    public static byte[] Exception(string exceptionType, string message) => Message(
        [Header(":exception-type", exceptionType), Header(":content-type", "application/json"), Header(":message-type", "exception")],
        System.Text.Json.JsonSerializer.Serialize(new { message }));

    /// <summary>The events of a stream, one after another.</summary>
    public static byte[] Stream(params byte[][] messages) => [.. messages.SelectMany(m => m)];

    /// <summary>A text answer's stream: messageStart, text deltas, messageStop, metadata.</summary>
    public static byte[] Text(string text, string stopReason = "end_turn", int inputTokens = 3, int outputTokens = 2)
        => Stream(
            Event("messageStart", """{"p":"abcd","role":"assistant"}"""),
            Event("contentBlockDelta", $$$"""{"contentBlockIndex":0,"delta":{"text":{{{System.Text.Json.JsonSerializer.Serialize(text)}}}},"p":"abcdefgh"}"""),
            Event("contentBlockStop", """{"contentBlockIndex":0,"p":"ab"}"""),
            Event("messageStop", $$$"""{"p":"abc","stopReason":"{{{stopReason}}}"}"""),
            Event("metadata", $$$"""{"metrics":{"latencyMs":120},"p":"a","usage":{"inputTokens":{{{inputTokens}}},"outputTokens":{{{outputTokens}}},"totalTokens":{{{inputTokens + outputTokens}}}}}"""));

    private static EventStreamHeader Header(string name, string value)
    {
        var header = new EventStreamHeader(name);
        header.SetString(value);
        return header;
    }

    private static byte[] Message(List<IEventStreamHeader> headers, string json) => new EventStreamMessage(headers, Encoding.UTF8.GetBytes(json)).ToByteArray();
}
