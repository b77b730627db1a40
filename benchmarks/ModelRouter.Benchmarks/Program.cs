using BenchmarkDotNet.Running;

// Pick benchmarks with --filter, keep runs short with --job short, for example:
//   dotnet run -c Release --project benchmarks/ModelRouter.Benchmarks -- --filter '*RoutingDecision*' --job short
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

/// <summary>The entry point.</summary>
public partial class Program;
