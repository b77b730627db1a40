namespace ModelRouter.Diagnostics;

/// <summary>The names under which the router reports traces and metrics, for a host to subscribe to (<c>AddSource</c>, <c>AddMeter</c>).</summary>
/// <remarks>
/// Spans: <c>route {router}</c> (server) per routed request and <c>chat {model}</c> (client) per attempt at a vendor, tagged
/// after the OpenTelemetry GenAI semantic conventions and with the router, pool, LLM and app names. Prompt and completion
/// text, keys and messages never reach a tag. Nothing is measured while nobody listens.
/// </remarks>
public static class ModelRouterTelemetry
{
    /// <summary>The name of the router's <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "ModelRouter";

    /// <summary>The name of the router's <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "ModelRouter";
}
