// ModelRouter as a host app embeds it: AddModelRouter from configuration, MapModelRouter. One router, app keys
// required; see appsettings.json. The fake vendor's address comes from --ModelRouter:llms:0:baseUrl.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter"));
var app = builder.Build();
app.MapModelRouter();
app.Run();
