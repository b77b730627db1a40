using System.Diagnostics;
using System.Globalization;

namespace ModelRouter.Benchmarks;

/// <summary>
/// CPU per request of the apps of <see cref="EndpointBenchmarks"/> (bare forwarder, a minimal endpoint over
/// <c>RouteAsync</c>, <c>MapModelRouter</c>), in process: the load test's headline ratio without wrk, the fake vendor and
/// sockets competing for the same two cores, split into what routing costs and what the endpoint adds. It also reports
/// the wall time of the <c>RouteAsync</c> call inside the app (synchronous here, since the fake vendor answers at once).
/// </summary>
/// <remarks>
/// BenchmarkDotNet times wall-clock, and through <c>TestServer</c> the client and the server overlap on two cores, so a
/// hop that answers later reads slower without costing more CPU. This run reports what the load target is about: process
/// CPU time, context switches, allocation and requests, per request, over alternating rounds, with the medians. The
/// thread pool's idle spinning is CPU too; run it again with <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0</c> to see
/// the work alone.
/// </remarks>
internal static class EndpointCpuRun
{
    /// <summary>Runs <c>endpoint-cpu [seconds per round] [rounds] [launches]</c>; more than one launch runs each in a fresh process.</summary>
    public static async Task RunAsync(string[] args)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var launches = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        if (launches > 1)
        {
            // One process keeps its JIT, tiered-PGO and memory-layout luck for its whole life: 1.45x and 1.77x came out of
            // two launches of the same build. Fresh processes, then the median of their medians.
            await RunLaunchesAsync(seconds, rounds, launches).ConfigureAwait(false);
            return;
        }

        Console.WriteLine($"endpoint-cpu: {rounds} rounds of {seconds} s per target and mode, in process (TestServer), sequential requests");
        foreach (var streaming in new[] { false, true })
        {
            var benchmarks = new EndpointBenchmarks { Streaming = streaming };
            await benchmarks.Setup().ConfigureAwait(false);
            try
            {
                var targets = new (string Name, Func<Task<int>> Send)[] { ("forwarder", benchmarks.Forwarder), ("route-only", benchmarks.RouteOnly), ("router", benchmarks.Router) };
                foreach (var (_, send) in targets)
                {
                    await MeasureAsync(send, 2).ConfigureAwait(false); // warm-up: tiered compilation
                }

                var cpu = targets.ToDictionary(t => t.Name, _ => new List<double>());
                var routeCalls = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    foreach (var (name, send) in round % 2 == 0 ? targets : targets.Reverse())
                    {
                        EndpointBenchmarks.TakeRouteTiming();
                        var m = await MeasureAsync(send, seconds).ConfigureAwait(false);
                        var (routing, calls) = EndpointBenchmarks.TakeRouteTiming();
                        var route = calls > 0 ? $"  RouteAsync {routing.TotalMicroseconds / calls,5:0.00} us/call" : "";
                        if (calls > 0)
                        {
                            routeCalls.Add(routing.TotalMicroseconds / calls);
                        }

                        cpu[name].Add(m.CpuMicroseconds);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {(streaming ? "stream" : "plain"),-6} round {round + 1} {name,-10} {m.Requests / m.Seconds,8:0} req/s  cpu {m.CpuMicroseconds,6:0.0} us/req  ctx switches {m.ContextSwitches,5:0.00}/req  alloc {m.AllocatedBytes,6:0} B/req{route}"));
                    }
                }

                var forwarder = Median(cpu["forwarder"]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(streaming ? "stream" : "plain")}: cpu/req median forwarder {forwarder:0.0} us, route-only {Median(cpu["route-only"]):0.0} us, router {Median(cpu["router"]):0.0} us; RouteAsync {Median(routeCalls):0.00} us/call; route-only/forwarder {Median(cpu["route-only"]) / forwarder:0.00}x router/forwarder {Median(cpu["router"]) / forwarder:0.00}x"));
            }
            finally
            {
                await benchmarks.Cleanup().ConfigureAwait(false);
            }
        }
    }

    private static async Task RunLaunchesAsync(double seconds, int rounds, int launches)
    {
        // Per mode, what each launch's summary line ends with: the two ratios to the forwarder and the RouteAsync time.
        string[] labels = ["route-only/forwarder ", "router/forwarder ", "RouteAsync "];
        var values = new Dictionary<(string Mode, string Label), List<double>>();
        for (var launch = 1; launch <= launches; launch++)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            if (string.Equals(Path.GetFileNameWithoutExtension(Environment.ProcessPath), "dotnet", StringComparison.OrdinalIgnoreCase))
            {
                start.ArgumentList.Add(typeof(EndpointCpuRun).Assembly.Location);
            }

            foreach (var argument in new[] { "endpoint-cpu", seconds.ToString(CultureInfo.InvariantCulture), rounds.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            using var child = Process.Start(start) ?? throw new InvalidOperationException("The benchmark could not start itself again.");
            string? line;
            while ((line = await child.StandardOutput.ReadLineAsync().ConfigureAwait(false)) is not null)
            {
                Console.WriteLine($"[launch {launch}] {line}");
                var mode = line.StartsWith("plain:", StringComparison.Ordinal) ? "plain" : line.StartsWith("stream:", StringComparison.Ordinal) ? "stream" : null;
                foreach (var label in mode is null ? [] : labels)
                {
                    var at = line.LastIndexOf(label, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        var number = line.AsSpan(at + label.Length);
                        number = number[..(number.IndexOfAny(' ', 'x', ';') is var end and >= 0 ? end : number.Length)];
                        var key = (mode!, label.Trim());
                        if (!values.TryGetValue(key, out var perLaunch))
                        {
                            values[key] = perLaunch = [];
                        }

                        perLaunch.Add(double.Parse(number, CultureInfo.InvariantCulture));
                    }
                }
            }

            await child.WaitForExitAsync().ConfigureAwait(false);
            if (child.ExitCode != 0)
            {
                throw new InvalidOperationException($"Launch {launch} failed with exit code {child.ExitCode}.");
            }
        }

        foreach (var ((mode, label), perLaunch) in values)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{mode}: {label}{(label == "RouteAsync" ? " us/call" : " cpu/req")} per launch {string.Join(" ", perLaunch.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))}; median {Median(perLaunch):0.00}"));
        }
    }

    /// <summary>The middle value (the upper middle of an even count).</summary>
    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static async Task<Measurement> MeasureAsync(Func<Task<int>> send, double seconds)
    {
        using var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var switches0 = ContextSwitches();
        var allocated0 = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        long requests = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 200; i++)
            {
                await send().ConfigureAwait(false);
            }

            requests += 200;
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return new Measurement(
            requests,
            elapsed,
            (process.TotalProcessorTime - cpu0).TotalMicroseconds / requests,
            (ContextSwitches() - switches0) / (double)requests,
            (GC.GetTotalAllocatedBytes(precise: true) - allocated0) / (double)requests);
    }

    /// <summary>Voluntary and involuntary context switches of every thread of this process (Linux; 0 elsewhere).</summary>
    private static long ContextSwitches()
    {
        const string tasks = "/proc/self/task";
        if (!Directory.Exists(tasks))
        {
            return 0;
        }

        long total = 0;
        foreach (var task in Directory.EnumerateDirectories(tasks))
        {
            try
            {
                foreach (var line in File.ReadLines(Path.Combine(task, "status")))
                {
                    if (line.Contains("ctxt_switches", StringComparison.Ordinal))
                    {
                        total += long.Parse(line.AsSpan(line.IndexOf(':') + 1).Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
            catch (IOException)
            {
                // The thread ended while being read.
            }
        }

        return total;
    }

    private readonly record struct Measurement(long Requests, double Seconds, double CpuMicroseconds, double ContextSwitches, double AllocatedBytes);
}
