using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelRouter.Configuration;
using ModelRouter.Routing;
using ModelRouter.Serialization;
using ModelRouter.Storage;
using ModelRouter.Validation;

namespace ModelRouter.Benchmarks;

/// <summary>
/// The control plane at scale: a generated configuration of N routers (3 pools x 3 vendors, one mapping each), N/10
/// LLMs and N/10 apps, at several sizes, each figure measured in a fresh process on 127.0.0.1 with a temporary SQLite
/// file: import through the admin API, start from a configuration file and a reload of it, one admin write (median),
/// restart from the database, and the resident memory after a start; then the ratio of each figure between sizes.
/// </summary>
internal static partial class ScaleRun
{
    private const string AdminKey = "scale-admin-key-0123456789";
    private const int Writes = 21;

    private static readonly (string Name, string Title)[] Figures =
    [
        ("import", "POST /admin/import of the whole set"),
        ("file-start", "start from a configuration file"),
        ("file-reload", "reload of that file (one router changed)"),
        ("write", "one admin PUT /admin/routers/{slug}, median: answered"),
        ("write-applied", "  ... and applied to routing"),
        ("restart", "restart from the database"),
        ("rss-db", "RSS after the restart from the database (MB)"),
        ("rss-file", "RSS after the start from the file (MB)"),
        ("fleet-start", "a second instance's start from PostgreSQL"),
        ("fleet-applied", "one admin write applied by the other instance (PostgreSQL NOTIFY), median"),
    ];

    /// <summary>
    /// Runs <c>scale [sizes...]</c> (default 1000 10000): each step in a child process, killed after
    /// <c>SCALE_TIMEOUT</c> seconds (default 180). <c>scale-one N step dir</c> is one step, run by the parent;
    /// <c>scale-one N phases dir</c> times the parse, validation and compilation of a load in process, twice.
    /// </summary>
    public static async Task RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "one")
        {
            await RunStepAsync(int.Parse(args[1], CultureInfo.InvariantCulture), args[2], args[3]).ConfigureAwait(false);
            return;
        }

        var sizes = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1_000, 10_000];
        var timeout = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("SCALE_TIMEOUT") ?? "180", CultureInfo.InvariantCulture));
        var results = new Dictionary<(int, string), string>();
        foreach (var size in sizes)
        {
            var dir = Path.Combine(Path.GetTempPath(), $"modelrouter-scale-{Environment.ProcessId}-{size}");
            Directory.CreateDirectory(dir);
            try
            {
                Console.WriteLine($"scale: {size} routers, {size * 3} pools, {size * 9} vendors, {size / 10} LLMs, {size / 10} apps in {dir}");
                foreach (var step in Steps())
                {
                    if (step == "file-reload" && results.TryGetValue((size, "file-start"), out var started) && started.StartsWith('>'))
                    {
                        // A reload needs a started host first.
                        results[(size, step)] = "not started";
                        continue;
                    }

                    foreach (var (figure, value) in await RunChildAsync(size, step, dir, timeout).ConfigureAwait(false))
                    {
                        results[(size, figure)] = value;
                        Console.WriteLine($"  {size,6} {figure,-14} {value}");
                    }
                }
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        PrintTable(sizes, results);
    }

    /// <summary>The steps to run: <c>SCALE_STEPS</c> (comma-separated, for example <c>file-start,file-reload</c>) or all; <c>prepare</c> always runs first.</summary>
    private static string[] Steps()
    {
        string[] all = ["prepare", "import", "file-start", "file-reload", "write", "restart", "fleet"];
        var chosen = Environment.GetEnvironmentVariable("SCALE_STEPS")?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return chosen is { Length: > 0 } ? ["prepare", .. all.Where(s => s != "prepare" && chosen.Contains(s))] : all;
    }

    private static void PrintTable(int[] sizes, Dictionary<(int, string), string> results)
    {
        Console.WriteLine();
        Console.WriteLine("| what | " + string.Join(" | ", sizes.Select(s => $"{s:N0} routers")) + (sizes.Length > 1 ? $" | ratio {sizes[^1] / sizes[0]}x size |" : " |"));
        Console.WriteLine("|---|" + string.Concat(sizes.Select(_ => "---|")) + (sizes.Length > 1 ? "---|" : ""));
        foreach (var (name, title) in Figures)
        {
            var cells = sizes.Select(s => results.TryGetValue((s, name), out var v) ? v : "n/a").ToArray();
            var ratio = "";
            if (sizes.Length > 1)
            {
                ratio = double.TryParse(First(cells[0]), NumberStyles.Float, CultureInfo.InvariantCulture, out var a)
                    && double.TryParse(First(cells[^1]), NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && a > 0
                    ? string.Create(CultureInfo.InvariantCulture, $" | {b / a:0.0}x")
                    : " | n/a";
            }

            Console.WriteLine($"| {title} | {string.Join(" | ", cells)}{ratio} |");
        }

        static string First(string cell) => cell.Split(' ')[0];
    }

    private static async Task<List<(string Figure, string Value)>> RunChildAsync(int size, string step, string dir, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (!Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal))
        {
            start.ArgumentList.Add("scale-one");
        }
        else
        {
            start.ArgumentList.Add(typeof(ScaleRun).Assembly.Location);
            start.ArgumentList.Add("scale-one");
        }

        start.ArgumentList.Add(size.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(step);
        start.ArgumentList.Add(dir);
        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEndAsync();
        var results = new List<(string, string)>();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await child.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync().ConfigureAwait(false);
            results.Add((StepFigures(step)[0], $"> {timeout.TotalSeconds:0} s (stopped)"));
        }

        foreach (var line in (await output.ConfigureAwait(false)).Split('\n'))
        {
            var parts = line.Trim().Split('\t');
            if (parts.Length == 3 && parts[0] == "figure")
            {
                results.Add((parts[1], parts[2]));
            }
        }

        if (results.Count == 0)
        {
            results.Add((StepFigures(step)[0], $"failed (exit {child.ExitCode})"));
        }

        return results;
    }

    private static string[] StepFigures(string step) => step switch
    {
        "file-start" => ["file-start", "rss-file"],
        "write" => ["write", "write-applied"],
        "restart" => ["restart", "rss-db"],
        "fleet" => ["fleet-start", "fleet-applied"],
        _ => [step],
    };

    private static void Report(string figure, double value, string unit)
        => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"figure\t{figure}\t{value:0.000} {unit}"));

    private static async Task RunStepAsync(int size, string step, string dir)
    {
        var config = Generate(size);
        var db = Path.Combine(dir, "seeded.db");
        switch (step)
        {
            case "prepare":
            {
                // The seeded database of the write and restart steps, and the configuration file of the file steps.
                await File.WriteAllTextAsync(Path.Combine(dir, "config.json"), FileDocument(config)).ConfigureAwait(false);
                var watch = Stopwatch.StartNew();
                // The database is seeded from code: the generated configuration, validated as an import.
                await using var seeding = await StartAsync(SqliteSettings(db), null, r => r.UseSqliteStore(o =>
                {
                    o.ConnectionString = $"Data Source={db}";
                    o.Seed = config;
                })).ConfigureAwait(false);
                Report("prepare", watch.Elapsed.TotalSeconds, "s");
                break;
            }

            case "import":
            {
                await using var host = await StartAsync(SqliteSettings(Path.Combine(dir, "import.db")), null).ConfigureAwait(false);
                using var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(config, ConfigJsonContext.Default.ModelRouterConfig));
                body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var watch = Stopwatch.StartNew();
                using var response = await host.Client.PostAsync(new Uri("/admin/import", UriKind.Relative), body).ConfigureAwait(false);
                await Check(response).ConfigureAwait(false);
                await host.Applied.WaitForRoutersAsync(size).ConfigureAwait(false);
                Report("import", watch.Elapsed.TotalSeconds, "s");
                break;
            }

            case "file-start":
            {
                var watch = Stopwatch.StartNew();
                await using var host = await StartAsync(FileSettings(), Path.Combine(dir, "config.json")).ConfigureAwait(false);
                Report("file-start", watch.Elapsed.TotalSeconds, "s");
                Report("rss-file", RssMegabytes(), "MB");
                break;
            }

            case "file-reload":
            {
                var file = Path.Combine(dir, "reload.json");
                await File.WriteAllTextAsync(file, FileDocument(config)).ConfigureAwait(false);
                await using var host = await StartAsync(FileSettings(), file).ConfigureAwait(false);
                var changed = config with { Routers = [.. config.Routers.Select((r, i) => i == size / 2 ? r with { Description = "changed" } : r)] };
                var applied = host.Applied.NextAsync();
                var watch = Stopwatch.StartNew();
                await File.WriteAllTextAsync(file, FileDocument(changed)).ConfigureAwait(false);
                await applied.ConfigureAwait(false);
                Report("file-reload", watch.Elapsed.TotalSeconds, "s");
                break;
            }

            case "write":
            {
                var copy = Path.Combine(dir, "write.db");
                foreach (var suffix in new[] { "", "-wal", "-shm" })
                {
                    // A database in WAL mode may still hold committed pages in its -wal file.
                    if (File.Exists(db + suffix))
                    {
                        File.Copy(db + suffix, copy + suffix, overwrite: true);
                    }
                }

                await using var host = await StartAsync(SqliteSettings(copy), null).ConfigureAwait(false);
                var (answered, appliedTimes) = await TimeWritesAsync(config, host, host).ConfigureAwait(false);
                Report("write", Median(answered), "ms");
                Report("write-applied", Median(appliedTimes), "ms");
                break;
            }

            case "restart":
            {
                var watch = Stopwatch.StartNew();
                await using var host = await StartAsync(SqliteSettings(db), null).ConfigureAwait(false);
                Report("restart", watch.Elapsed.TotalSeconds, "s");
                Report("rss-db", RssMegabytes(), "MB");
                break;
            }

            case "fleet":
                await RunFleetAsync(config).ConfigureAwait(false);
                break;

            case "phases":
            {
                // Where a load goes, in process: the rows parsed, the configuration validated, the snapshot compiled.
                var rows = config.Routers.Select(r => JsonSerializer.Serialize(r, ConfigJsonContext.Default.RouterConfig)).ToArray();
                var validator = new ServiceCollection().AddModelRouter().Services.BuildServiceProvider().GetRequiredService<IModelRouterConfigValidator>();
                var compiler = new RoutingSnapshotCompiler();
                for (var round = 0; round < 2; round++)
                {
                    var watch = Stopwatch.StartNew();
                    foreach (var row in rows)
                    {
                        ConfigDocuments.Read(row, ConfigJsonContext.Default.RouterDocument).ToConfig();
                    }

                    Report("parse-rows", watch.Elapsed.TotalMilliseconds, "ms");
                    watch.Restart();
                    var errors = validator.ValidateFields(config);
                    Report("validate", watch.Elapsed.TotalMilliseconds, "ms");
                    watch.Restart();
                    var snapshot = compiler.Compile(config);
                    Report("compile", watch.Elapsed.TotalMilliseconds, "ms");
                    watch.Restart();
                    var changed = config with { Routers = [.. config.Routers.Select((r, i) => i == 7 ? r with { Description = "changed" } : r)] };
                    ((ModelRouterConfigValidator)validator).ValidateFields(changed, config);
                    Report("validate-one-change", watch.Elapsed.TotalMilliseconds, "ms");
                    watch.Restart();
                    compiler.Compile(changed, snapshot);
                    Report("compile-one-change", watch.Elapsed.TotalMilliseconds, "ms");
                    if (errors.Count > 0)
                    {
                        throw new InvalidOperationException(errors[0].Message);
                    }
                }

                // A start from a configuration file: the host's JSON provider loads it, then the store reads the section.
                var file = Path.Combine(dir, "phases.json");
                await File.WriteAllTextAsync(file, FileDocument(config)).ConfigureAwait(false);
                for (var round = 0; round < 2; round++)
                {
                    var watch = Stopwatch.StartNew();
                    var root = new ConfigurationBuilder().AddJsonFile(file, optional: false, reloadOnChange: false).Build();
                    Report("file-load", watch.Elapsed.TotalMilliseconds, "ms");
                    watch.Restart();
                    var read = await new ConfigurationRouterStore(root.GetSection("ModelRouter"), root).GetConfigAsync().ConfigureAwait(false);
                    Report("file-read", watch.Elapsed.TotalMilliseconds, "ms");
                    if (read.Routers.Count != size)
                    {
                        throw new InvalidOperationException($"read {read.Routers.Count} routers");
                    }
                }

                File.Delete(file);
                break;
            }

            default:
                throw new ArgumentException($"unknown step '{step}'", nameof(step));
        }
    }

    /// <summary>
    /// Replaces one router after another through <paramref name="writer"/>'s admin API; returns the milliseconds until each
    /// was answered and until <paramref name="observer"/>'s routing applied it.
    /// </summary>
    private static async Task<(List<double> Answered, List<double> Applied)> TimeWritesAsync(ModelRouterConfig config, ScaleHost writer, ScaleHost observer)
    {
        var answered = new List<double>();
        var applied = new List<double>();
        for (var i = 0; i < Writes; i++)
        {
            var router = config.Routers[(i * 7919) % config.Routers.Count] with { Description = $"write {i}" };
            using var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(router, ConfigJsonContext.Default.RouterConfig));
            body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var next = observer.Applied.NextAsync();
            var watch = Stopwatch.StartNew();
            using var response = await writer.Client.PutAsync(new Uri($"/admin/routers/{router.Slug}", UriKind.Relative), body).ConfigureAwait(false);
            await Check(response).ConfigureAwait(false);
            answered.Add(watch.Elapsed.TotalMilliseconds);
            await next.ConfigureAwait(false);
            applied.Add(watch.Elapsed.TotalMilliseconds);
        }

        return (answered, applied);
    }

    private static async Task Check(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"{(int)response.StatusCode}: {text[..Math.Min(text.Length, 2000)]}");
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static double RssMegabytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
    }

    private static Dictionary<string, string?> SqliteSettings(string db) => new()
    {
        ["ModelRouter:adminApiKey"] = AdminKey,
        ["ModelRouter:maxRequestBodyBytes"] = "536870912", // the import of 10,000 routers is ~12 MB of JSON
        ["ModelRouter:store:kind"] = "sqlite",
        ["ModelRouter:store:connectionString"] = $"Data Source={db}",
    };

    private static Dictionary<string, string?> FileSettings() => new()
    {
        ["ModelRouter:adminApiKey"] = AdminKey,
        ["ModelRouter:store:kind"] = "configuration",
    };

    /// <summary>Starts a gateway on 127.0.0.1 (an ephemeral port) over these settings and, optionally, a JSON configuration file watched for changes.</summary>
    private static async Task<ScaleHost> StartAsync(Dictionary<string, string?> settings, string? jsonFile, Action<IModelRouterBuilder>? store = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings);
        if (jsonFile is not null)
        {
            builder.Configuration.AddJsonFile(jsonFile, optional: false, reloadOnChange: true);
        }

        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var applied = new AppliedListener();
        builder.Services.AddSingleton<IRouterConfigChangeListener>(applied);
        var router = builder.Services.AddModelRouter(builder.Configuration.GetSection("ModelRouter")).AddSqliteStore();
        store?.Invoke(router);

        var app = builder.Build();
        app.MapModelRouter();
        app.MapModelRouterAdmin("/admin");
        await app.StartAsync().ConfigureAwait(false);
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()), Timeout = TimeSpan.FromMinutes(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return new ScaleHost(app, client, applied);
    }

    /// <summary>The generated configuration: N routers of 3 pools x 3 vendors (one mapping each), N/10 LLMs, N/10 apps of 10 routers each.</summary>
    internal static ModelRouterConfig Generate(int routers)
    {
        var llmCount = Math.Max(1, routers / 10);
        var llms = Enumerable.Range(0, llmCount).Select(i => new LlmConfig
        {
            Id = $"llm-{i:D5}",
            Provider = "openai",
            BaseUrl = $"http://127.0.0.1:{18000 + (i % 100)}/v1",
            ApiKey = $"sk-scale-{i:D5}",
        }).ToArray();
        string[] patterns = ["gpt-4*", "claude-*", "gemini-[0-9]*"];
        var routerList = Enumerable.Range(0, routers).Select(r => new RouterConfig
        {
            Slug = $"router-{r:D5}",
            Name = $"Router {r}",
            Pools = [.. Enumerable.Range(0, 3).Select(p => new PoolConfig
            {
                Name = $"pool-{p}",
                ModelPattern = patterns[p],
                Priority = 3 - p,
                Vendors = [.. Enumerable.Range(0, 3).Select(v => new VendorConfig
                {
                    Llm = llms[((r * 9) + (p * 3) + v) % llmCount].Id,
                    ModelMappings = [new ModelMappingConfig { Source = $"model-{p}", Target = $"model-{p}-{v}" }],
                })],
            })],
        }).ToArray();
        var apps = Enumerable.Range(0, Math.Max(1, routers / 10)).Select(a => new AppConfig
        {
            Name = $"app-{a:D5}",
            ApiKey = $"app-key-{a:D5}-scale",
            Routers = [.. Enumerable.Range(0, 10).Select(k => routerList[((a * 10) + k) % routers].Slug)],
        }).ToArray();
        return new ModelRouterConfig { Llms = llms, Routers = routerList, Apps = apps };
    }

    /// <summary>The configuration file: <c>{"ModelRouter": {llms, routers, apps}}</c>; the other settings come from memory.</summary>
    private static string FileDocument(ModelRouterConfig config)
    {
        var json = JsonSerializer.Serialize(config with { Revision = "" }, ConfigJsonContext.Default.ModelRouterConfig);
        return new StringBuilder("{\"ModelRouter\":").Append(json).Append('}').ToString();
    }

    private sealed class ScaleHost(WebApplication app, HttpClient client, AppliedListener applied) : IAsyncDisposable
    {
        public HttpClient Client { get; } = client;

        public AppliedListener Applied { get; } = applied;

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Tells when routing applies a configuration.</summary>
    private sealed class AppliedListener : IRouterConfigChangeListener
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource<ModelRouterConfig> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private ModelRouterConfig? _last;

        /// <summary>Returns a task that completes at the next applied configuration.</summary>
        public Task<ModelRouterConfig> NextAsync()
        {
            lock (_gate)
            {
                return _next.Task;
            }
        }

        public async Task WaitForRoutersAsync(int count)
        {
            while (true)
            {
                Task<ModelRouterConfig> next;
                lock (_gate)
                {
                    if (_last?.Routers.Count == count)
                    {
                        return;
                    }

                    next = _next.Task;
                }

                await next.ConfigureAwait(false);
            }
        }

        public void ConfigurationApplied(ModelRouterConfig config)
        {
            TaskCompletionSource<ModelRouterConfig> done;
            lock (_gate)
            {
                _last = config;
                done = _next;
                _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            done.SetResult(config);
        }

        public void ConfigurationRejected(IReadOnlyList<string> errors)
            => Console.Error.WriteLine("rejected: " + string.Join("; ", errors.Take(5)));
    }
}
