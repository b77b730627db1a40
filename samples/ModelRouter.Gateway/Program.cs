using Microsoft.AspNetCore.DataProtection;
using ModelRouter.Diagnostics;
using ModelRouter.Gateway;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

var builder = WebApplication.CreateBuilder(args);

// ModelRouter:store picks where routers, LLMs and apps live: "sqlite" by default here (modelrouter.db in the content
// root, seeded once from the "ModelRouter" section while empty), "postgres" for a fleet of instances, or
// "configuration" to read them from appsettings.json and environment variables (ModelRouter__llms__0__apiKey=...).
builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter"))
    .AddSqliteStore()
    .AddPostgreSqlStore()
    // /healthz also reports Degraded while vendors cool down, Unhealthy while a pool has none left.
    .AddHealthChecks()
    // The embedded demo vendor answers requests for *.demo.localhost in process: no keys, no network.
    .ConfigureHttpClient(client => client.AddHttpMessageHandler(() => new DemoLlmHandler()));

// LLM keys are encrypted in the database with ASP.NET Core Data Protection; its key ring lives beside the database
// (modelrouter-keys/ in the content root), so that a restart can still read them. Copy it with the database, and keep
// it out of the database's backups: the database alone reveals no key. A fleet shares one key ring (a shared
// folder, Azure Key Vault, Redis...). App keys are stored as hashes only.
builder.Services.AddDataProtection()
    .SetApplicationName("ModelRouter.Gateway")
    .PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(builder.Environment.ContentRootPath, "modelrouter-keys")));

// Telemetry:exporter "console" prints the router's spans and metrics (OpenTelemetry GenAI conventions); off by default.
if (string.Equals(builder.Configuration["Telemetry:exporter"], "console", StringComparison.OrdinalIgnoreCase))
{
    builder.Services.AddOpenTelemetry()
        // The HTTP server span is the route span's parent: without it, the default parent-based sampler would drop the
        // router's spans under the unrecorded activity ASP.NET Core starts for each request.
        .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddSource(ModelRouterTelemetry.ActivitySourceName).AddConsoleExporter())
        .WithMetrics(metrics => metrics.AddMeter(ModelRouterTelemetry.MeterName).AddConsoleExporter());
}

var app = builder.Build();
app.MapGet("/", () => Results.Text(
    "ModelRouter gateway. POST /router/{slug}/v1/chat/completions (OpenAI-compatible). Try the 'demo' router. Admin API under /admin, admin UI at /admin/ui/.",
    "text/plain"));
app.MapModelRouter();

// Health: unhealthy (503) until the routers are loaded (for example while the store's database does not answer yet) or
// while a pool has no vendor available; degraded (200) while some vendors cool down.
app.MapHealthChecks("/healthz");

// The admin API (LLMs, routers, apps, import/export) needs Authorization: Bearer {ModelRouter:adminApiKey}.
app.MapModelRouterAdmin("/admin");

// The admin UI at /admin/ui/: served from the package itself; it signs in with the admin key and calls the admin API.
app.MapModelRouterAdminUi("/admin/ui");
app.Run();

/// <summary>The entry point, visible to integration tests.</summary>
public partial class Program;
