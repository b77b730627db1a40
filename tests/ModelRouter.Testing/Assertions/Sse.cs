namespace ModelRouter.Testing;

internal static class Sse
{
    /// <summary>The <c>data:</c> payloads of a server-sent event stream, in order.</summary>
    public static IReadOnlyList<string> DataOf(string stream)
        => [.. stream.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(e => e.Split('\n'))
            .Where(line => line.StartsWith("data:", StringComparison.Ordinal))
            .Select(line => line["data:".Length..].TrimStart())];
}
