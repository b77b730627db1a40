using System.Diagnostics;
using System.Globalization;

namespace ModelRouter.Benchmarks;

/// <summary>
/// CPU per request of the two apps of <see cref="EndpointBenchmarks"/> (bare forwarder, <c>MapModelRouter</c>), in process:
/// the load test's headline ratio without wrk, the fake vendor and sockets competing for the same two cores.
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
                var targets = new (string Name, Func<Task<int>> Send)[] { ("forwarder", benchmarks.Forwarder), ("router", benchmarks.Router) };
                foreach (var (_, send) in targets)
                {
                    await MeasureAsync(send, 2).ConfigureAwait(false); // warm-up: tiered compilation
                }

                var cpu = targets.ToDictionary(t => t.Name, _ => new List<double>());
                for (var round = 0; round < rounds; round++)
                {
                    foreach (var (name, send) in round % 2 == 0 ? targets : targets.Reverse())
                    {
                        var m = await MeasureAsync(send, seconds).ConfigureAwait(false);
                        cpu[name].Add(m.CpuMicroseconds);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  {(streaming ? "stream" : "plain"),-6} round {round + 1} {name,-9} {m.Requests / m.Seconds,8:0} req/s  cpu {m.CpuMicroseconds,6:0.0} us/req  ctx switches {m.ContextSwitches,5:0.00}/req  alloc {m.AllocatedBytes,6:0} B/req"));
                    }
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(streaming ? "stream" : "plain")}: cpu/req median forwarder {Median(cpu["forwarder"]):0.0} us, router {Median(cpu["router"]):0.0} us, router/forwarder {Median(cpu["router"]) / Median(cpu["forwarder"]):0.00}x"));
            }
            finally
            {
                await benchmarks.Cleanup().ConfigureAwait(false);
            }
        }
    }

    private static async Task RunLaunchesAsync(double seconds, int rounds, int launches)
    {
        var ratios = new Dictionary<string, List<double>> { ["plain"] = [], ["stream"] = [] };
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
                var at = line.LastIndexOf("router/forwarder ", StringComparison.Ordinal);
                if (mode is not null && at >= 0)
                {
                    ratios[mode].Add(double.Parse(line.AsSpan(at + "router/forwarder ".Length).TrimEnd('x'), CultureInfo.InvariantCulture));
                }
            }

            await child.WaitForExitAsync().ConfigureAwait(false);
            if (child.ExitCode != 0)
            {
                throw new InvalidOperationException($"Launch {launch} failed with exit code {child.ExitCode}.");
            }
        }

        foreach (var (mode, values) in ratios)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{mode}: router/forwarder cpu/req per launch {string.Join(" ", values.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))}; median {Median(values):0.00}x"));
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
