using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.Diagnostics;

namespace ModelRouter.Testing;

/// <summary>
/// A whole test run's watch, for asserting that no key and no conversation text reaches a log or a usage record. While it
/// is on, every <see cref="LoopbackApp"/> (each router host and fake vendor on Kestrel) logs at every level into it, hands
/// its usage records to it, and notes each credential a request carries (<c>Authorization</c>, <c>api-key</c>,
/// <c>x-api-key</c>): the app keys and admin keys clients send a router, and the LLM keys a router sends a vendor. The fake
/// vendors note the user messages they receive and the replies they send.
/// </summary>
internal static class SuiteWatch
{
    /// <summary>Credentials and texts shorter than this are not searched for (<c>hi</c> is in many a word).</summary>
    private const int MinLength = 8;

    private static volatile bool s_on;

    /// <summary>Gets every text the apps wrote: log messages, their values and exceptions, usage records and their attempts.</summary>
    public static ConcurrentQueue<string> Written { get; } = new();

    /// <summary>Gets every credential a request carried.</summary>
    public static ConcurrentDictionary<string, byte> Credentials { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets every user message a vendor received and every reply it sent.</summary>
    public static ConcurrentDictionary<string, byte> Texts { get; } = new(StringComparer.Ordinal);

    /// <summary>Gets how many usage records arrived.</summary>
    public static int Records => Volatile.Read(ref s_records);

    private static int s_records;

    public static void Start() => s_on = true;

    public static void Stop() => s_on = false;

    /// <summary>Notes a conversation text (a user message or a reply).</summary>
    public static void NoteText(string? text)
    {
        if (s_on && text is { Length: >= MinLength })
        {
            Texts.TryAdd(text, 0);
        }
    }

    /// <summary>Returns the written texts that contain a credential or a conversation text, with what they contain.</summary>
    public static List<string> Leaks(IEnumerable<string> alsoWritten)
    {
        var secrets = Credentials.Keys.Concat(Texts.Keys).ToList();
        return [.. Written.Concat(alsoWritten)
            .SelectMany(w => secrets.Where(s => w.Contains(s, StringComparison.Ordinal)).Select(s => $"'{s}' in: {w}"))
            .Distinct()];
    }

    /// <summary>Adds the watch's logger and observer to an app being built.</summary>
    internal static void Attach(WebApplicationBuilder builder)
    {
        if (!s_on)
        {
            return;
        }

        builder.Logging.AddProvider(new Logs());
        builder.Logging.AddFilter<Logs>(null, LogLevel.Trace);
        builder.Services.AddSingleton<IModelRouterObserver>(new Observer());
    }

    /// <summary>Adds the watch's credential note to an app's pipeline.</summary>
    internal static void Attach(WebApplication app)
    {
        if (!s_on)
        {
            return;
        }

        app.Use(static (context, next) =>
        {
            var headers = context.Request.Headers;
            NoteCredential(headers.Authorization.ToString());
            NoteCredential(headers["api-key"].ToString());
            NoteCredential(headers["x-api-key"].ToString());
            return next(context);
        });
    }

    private static void NoteCredential(string value)
    {
        var credential = value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? value[7..].Trim() : value.Trim();
        if (credential.Length >= MinLength)
        {
            Credentials.TryAdd(credential, 0);
        }
    }

    private sealed class Observer : IModelRouterObserver
    {
        public ValueTask OnRequestCompletedAsync(ModelRouterUsageRecord record, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref s_records);
            Written.Enqueue(record.ToString());
            foreach (var attempt in record.Attempts)
            {
                Written.Enqueue(attempt.ToString());
            }

            return ValueTask.CompletedTask;
        }
    }

    private sealed class Logs : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => s_on;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!s_on)
            {
                return;
            }

            Written.Enqueue(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                foreach (var value in values)
                {
                    Written.Enqueue($"{value.Key}={value.Value}");
                }
            }

            if (exception is not null)
            {
                Written.Enqueue(exception.ToString());
            }
        }

        public void Dispose()
        {
        }
    }
}
