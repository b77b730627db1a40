using ModelRouter.Gateway;

var builder = WebApplication.CreateBuilder(args);

// Routers, LLMs and apps come from the "ModelRouter" section of appsettings.json (reloaded when the file changes),
// environment variables (ModelRouter__llms__0__apiKey=...) and any other configuration source.
builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter"))
    // The embedded demo vendor answers requests for *.demo.localhost in process: no keys, no network.
    .ConfigureHttpClient(client => client.AddHttpMessageHandler(() => new DemoLlmHandler()));

var app = builder.Build();
app.MapGet("/", () => Results.Text(
    "ModelRouter gateway. POST /router/{slug}/v1/chat/completions (OpenAI-compatible). Try the 'demo' router.",
    "text/plain"));
app.MapModelRouter();
app.Run();

/// <summary>The entry point, visible to integration tests.</summary>
public partial class Program;
