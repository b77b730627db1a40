using System.Net;
using Microsoft.Extensions.Logging;
using ModelRouter.Routing;
using RichardSzalay.MockHttp;
using static ModelRouter.Testing.TestConfigs;

namespace ModelRouter.Tests.Routing;

/// <summary>No key reaches a log line or an error message, whatever happens to the request.</summary>
public partial class DefaultModelRouterTests
{
    [Test]
    public async Task RouteAsync_SucceedingAndFailingRequests_LogNoKeyAndNoErrorCarriesKeysOrUrls()
    {
        await using var h = RouterHarness.Create(OnePool("a", "b"));
        var errors = new List<ModelRouterException>();
        async Task Run(string body, string? appKey = AppKey)
        {
            try
            {
                await using var response = await h.RouteAsync(body, appKey);
                await Bodies.ReadAllAsync(response);
            }
            catch (ModelRouterException ex)
            {
                errors.Add(ex);
            }
        }

        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Success(false));
        await Run(Bodies.Chat("m"));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Status(HttpStatusCode.Unauthorized, "Incorrect API key provided: " + KeyOf("b")));
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Throw(new HttpRequestException(HttpRequestError.ConnectionError, $"Connection refused ({ChatUrl("a")})"));
        await Run(Bodies.Chat("m", streaming: true));
        h.Time.Advance(TimeSpan.FromHours(1)); // b's rejected key cooled it; let it take its half-open trial
        h.Http.Expect(HttpMethod.Post, ChatUrl("a")).Respond(_ => Bodies.Status(HttpStatusCode.TooManyRequests));
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Status(HttpStatusCode.InternalServerError, KeyOf("b")));
        await Run(Bodies.Chat("m"));
        h.Time.Advance(TimeSpan.FromHours(1)); // the failed trial cooled b again
        h.Http.Expect(HttpMethod.Post, ChatUrl("b")).Respond(_ => Bodies.Success(true).Also(r => r.Content = new StringContent("data: {}\n\n", null, "text/event-stream")));
        await Run(Bodies.Chat("m", streaming: true));
        await Run(Bodies.Chat("m"), appKey: AppKey + "x");
        await Run(Bodies.Chat("m"), appKey: OtherAppKey);
        await Run("""{"model":""");
        h.Http.VerifyNoOutstandingExpectation();

        var logs = h.Logs.GetSnapshot();
        var secrets = new[] { KeyOf("a"), KeyOf("b"), AppKey, OtherAppKey };
        var logText = logs.Select(r => string.Join(" | ", r.Message, r.Exception?.ToString() ?? "", string.Join(",", r.StructuredState?.Select(kv => kv.Value) ?? []))).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(logs.Any(r => r.Level == LogLevel.Debug), Is.True, "Trace/Debug logging must be on for this test to mean anything");
            Assert.That(logs.Any(r => r.Level >= LogLevel.Warning), Is.True, "the failures must have been logged");
            Assert.That(errors.Select(e => e.Kind), Is.EqualTo(new[] { ModelRouterErrorKind.AllVendorsFailed, ModelRouterErrorKind.AllVendorsFailed, ModelRouterErrorKind.StreamInterrupted, ModelRouterErrorKind.Unauthorized, ModelRouterErrorKind.Forbidden, ModelRouterErrorKind.InvalidRequest }));
            foreach (var secret in secrets)
            {
                Assert.That(logText, Has.None.Contains(secret), "log line carries a key");
                Assert.That(errors.Select(e => e.Message), Has.None.Contains(secret), "error message carries a key");
            }

            Assert.That(errors.Select(e => e.Message), Has.None.Contains("127.0.0.1"), "error message carries an upstream URL");
            Assert.That(logText, Has.None.Contains("127.0.0.1"), "log line carries an upstream URL");
        });
    }
}

internal static class ObjectExtensions
{
    public static T Also<T>(this T value, Action<T> action)
    {
        action(value);
        return value;
    }
}
