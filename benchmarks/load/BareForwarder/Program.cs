using System.Net;
using ModelRouter.Benchmarks.Load;

// The bare forwarder the router is measured against (see BareForwarding): one minimal API endpoint, one shared
// HttpClient, no parsing, no routing.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var upstream = new Uri(builder.Configuration["Upstream"] ?? "http://127.0.0.1:18101/v1/chat/completions", UriKind.Absolute);
var app = builder.Build();

using var client = new HttpClient(new SocketsHttpHandler
{
    AllowAutoRedirect = false,
    UseCookies = false,
    AutomaticDecompression = DecompressionMethods.None,
    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
})
{
    Timeout = Timeout.InfiniteTimeSpan,
};

app.MapPost("/v1/chat/completions", (HttpContext context) => BareForwarding.ForwardAsync(context, client, upstream));

app.Run();
