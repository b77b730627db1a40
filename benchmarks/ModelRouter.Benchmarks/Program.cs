using BenchmarkDotNet.Running;
using ModelRouter.Benchmarks;

// Pick benchmarks with --filter, keep runs short with --job short, for example:
//   dotnet run -c Release --project benchmarks/ModelRouter.Benchmarks -- --filter '*RoutingDecision*' --job short
// CPU per request of the bare forwarder app and the router app, in process (seconds per round, rounds, fresh launches):
//   dotnet run -c Release --project benchmarks/ModelRouter.Benchmarks -- endpoint-cpu 4 3 3
if (args.Length > 0 && args[0] == "endpoint-cpu")
{
    await EndpointCpuRun.RunAsync(args[1..]);
    return;
}

// The control plane at 1,000 and 10,000 routers, each step in a fresh process (SCALE_TIMEOUT seconds each, default 180):
//   dotnet run -c Release --project benchmarks/ModelRouter.Benchmarks -- scale 1000 10000
if (args.Length > 0 && args[0] is "scale" or "scale-one")
{
    await ScaleRun.RunAsync(args[0] == "scale-one" ? ["one", .. args[1..]] : args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>The entry point.</summary>
public partial class Program;
