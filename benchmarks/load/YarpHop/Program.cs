using Yarp.ReverseProxy.Configuration;

// A bare YARP hop: every path forwarded to the fake vendor, no transforms beyond YARP's defaults.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var upstream = builder.Configuration["Upstream"] ?? "http://127.0.0.1:18101/";
builder.Services.AddReverseProxy().LoadFromMemory(
    [new RouteConfig { RouteId = "all", ClusterId = "vendor", Match = new RouteMatch { Path = "/{**catch-all}" } }],
    [new ClusterConfig { ClusterId = "vendor", Destinations = new Dictionary<string, DestinationConfig> { ["fake"] = new() { Address = upstream } } }]);
var app = builder.Build();
app.MapReverseProxy();
app.Run();
