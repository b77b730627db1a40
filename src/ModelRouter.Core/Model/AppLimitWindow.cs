using ModelRouter.Configuration;

namespace ModelRouter.Model;

/// <summary>One app's requests and tokens in the current one-minute window of the router's clock.</summary>
/// <remarks>
/// A fixed window: the counts start again at each minute of the clock. Two counters per app, an exact
/// <c>Retry-After</c> (the time left in the minute), and the same per-minute reading vendors give; the price is that a
/// client may use up to twice its limit across a minute's edge.
/// </remarks>
internal sealed class AppLimitWindow(int? requestsPerMinute, int? tokensPerMinute)
{
    private readonly Lock _lock = new();
    private long _minute = long.MinValue;
    private int _requests;
    private long _tokens;

    /// <summary>Gets the requests the app may start per minute, or <see langword="null"/>.</summary>
    public int? RequestsPerMinute => requestsPerMinute;

    /// <summary>Gets the tokens the app may use per minute, or <see langword="null"/>.</summary>
    public int? TokensPerMinute => tokensPerMinute;

    /// <summary>Gets a value indicating whether the answers' usage must be counted.</summary>
    public bool CountsTokens => tokensPerMinute is not null;

    /// <summary>Whether this window enforces the app's current limits (otherwise the app's limits changed and a new window replaces it).</summary>
    public bool Enforces(AppConfig app) => app.RequestsPerMinute == requestsPerMinute && app.TokensPerMinute == tokensPerMinute;

    /// <summary>Counts a request that starts now, or refuses it while the app is over a limit.</summary>
    /// <param name="now">The router's clock.</param>
    /// <param name="retryAfter">When refused, the time left in the window.</param>
    /// <param name="overTokens">When refused, whether the token limit (rather than the request limit) refused it.</param>
    public bool TryStart(DateTimeOffset now, out TimeSpan retryAfter, out bool overTokens)
    {
        var ticks = now.UtcTicks;
        var minute = ticks / TimeSpan.TicksPerMinute;
        lock (_lock)
        {
            Roll(minute);
            overTokens = tokensPerMinute is { } tokens && _tokens >= tokens;
            if (overTokens || (requestsPerMinute is { } requests && _requests >= requests))
            {
                retryAfter = TimeSpan.FromTicks(((minute + 1) * TimeSpan.TicksPerMinute) - ticks);
                return false;
            }

            _requests++;
        }

        retryAfter = default;
        return true;
    }

    /// <summary>Counts the tokens of an answer that ended now.</summary>
    public void AddTokens(long tokens, DateTimeOffset now)
    {
        var minute = now.UtcTicks / TimeSpan.TicksPerMinute;
        lock (_lock)
        {
            Roll(minute);
            _tokens += tokens;
        }
    }

    private void Roll(long minute)
    {
        if (minute != _minute)
        {
            _minute = minute;
            _requests = 0;
            _tokens = 0;
        }
    }
}
