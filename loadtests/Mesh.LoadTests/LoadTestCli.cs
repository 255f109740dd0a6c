using System.CommandLine;
using System.Text.Json;
using Mesh.LoadTests.Reporting;
using Mesh.LoadTests.Scenarios;
using Mesh.LoadTests.Targets;

namespace Mesh.LoadTests;

/// <summary><c>mesh-load ping|decide|http|approve|revoke</c>.</summary>
internal static class LoadTestCli
{
    private static readonly Option<bool> Embedded = new("--embedded") { Description = "Start the silos in this process (memory storage) for a self-contained run." };
    private static readonly Option<int> Silos = new("--silos") { Description = "Silos to start with --embedded.", DefaultValueFactory = _ => 1 };
    private static readonly Option<string[]> Gateways = new("--connect", "--gateway") { Description = "Attach to a running mesh instead of --embedded: a gateway, ip:port (repeat for more)." };
    private static readonly Option<string?> Connection = new("--connection") { Description = "Attach to a cluster-mode mesh instead: its PostgreSQL connection string; the gateways are read from the membership table (Orleans ADO.NET clustering)." };
    private static readonly Option<string?> Url = new("--url") { Description = "Without --embedded: the mesh's HTTP API, for set-up and votes." };
    private static readonly Option<string?> Token = new("--token") { Description = "Without --embedded: an admin API token (default $MESH_TOKEN)." };
    private static readonly Option<int> Agents = new("--agents") { Description = "Agents to register.", DefaultValueFactory = _ => 1000 };
    private static readonly Option<int> Tenants = new("--tenants") { Description = "Tenants the agents are spread over.", DefaultValueFactory = _ => 4 };
    private static readonly Option<int> Credentials = new("--credentials") { Description = "Credentials shared by the agents.", DefaultValueFactory = _ => 8 };
    private static readonly Option<int> Rules = new("--rules") { Description = "Rules in each tenant's policy.", DefaultValueFactory = _ => 100 };
    private static readonly Option<int> Concurrency = new("--concurrency") { Description = "Closed loop: callers each sending as soon as their last call returned.", DefaultValueFactory = _ => 64 };
    private static readonly Option<double?> Rate = new("--rate") { Description = "Open loop: calls per second, each measured from its intended send time." };
    private static readonly Option<double> Duration = new("--duration") { Description = "Seconds measured, after the warm-up: the calls sent in this window are measured and rates are over its length (revoke: at least 1 s per revocation).", DefaultValueFactory = _ => 30 };
    private static readonly Option<double> Warmup = new("--warmup") { Description = "Seconds of load before measuring.", DefaultValueFactory = _ => 5 };
    private static readonly Option<bool> WithBaseline = new("--with-baseline") { Description = "Also run ping at the same load in the same run; adds baseline_ping_ops_per_sec and ratio_to_ping." };
    private static readonly Option<string?> JsonFile = new("--json") { Description = "Write the results to this file (a JSON array, one object per scenario)." };
    private static readonly Option<int> Revocations = new("--revocations") { Description = "revoke: how many revocations to measure.", DefaultValueFactory = _ => 3 };
    private static readonly Option<bool> Quiet = new("--quiet") { Description = "No progress lines." };
    private static readonly Option<string?> SiloLogFile = new("--silo-log") { Description = "--embedded: the file the silos log to (and print their banner to), so standard output carries only progress and results. Default: a file in the temporary folder, kept and named at the end when the silos logged a warning or an error." };
    private static readonly Option<string> Audit = new Option<string>("--audit")
    {
        Description = "--embedded: the silos' audit durability: durable (a decision returns once its record is stored), async, or off. With --storage memory the records stay in process memory for the whole run (about 400 bytes each): use off, or sqlite, for long runs.",
        DefaultValueFactory = _ => "durable",
    }.AcceptOnlyFromAmong("durable", "async", "off");

    private static readonly Option<string> Storage = new Option<string>("--storage")
    {
        Description = "--embedded: where the silos keep grain state and the audit trail: memory, or sqlite (files in a temporary folder, as the standalone embedded silo does).",
        DefaultValueFactory = _ => "memory",
    }.AcceptOnlyFromAmong("memory", "sqlite");

    private static readonly Option<int> Approvals = new("--approvals") { Description = "decide, http: requests per 100 that need approval (0-7).", DefaultValueFactory = _ => 1 };

    /// <summary>Runs the tool as the <c>mesh-load</c> process: it owns the console.</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, LoadConsole.Process());

    /// <summary>Runs the tool writing to <paramref name="console"/>.</summary>
    public static Task<int> RunAsync(string[] args, LoadConsole console)
    {
        var root = new RootCommand("""
            mesh-load: decision throughput and latency against the raw Orleans ceiling.

            Examples:
              mesh-load decide --embedded --silos 1 --concurrency 64 --with-baseline --json decide.json
              mesh-load revoke --embedded --silos 3 --agents 100000
              mesh-load http --connect 127.0.0.1:30000 --url http://127.0.0.1:8080 --token $MESH_TOKEN --rate 2000
              mesh-load decide --connection "$MESH_DB_CONNECTION" --url http://127.0.0.1:8080 --token $MESH_TOKEN
            """);
        root.Subcommands.Add(Scenario(console, "ping", "A no-op grain call through the same client and harness: the ceiling.", Scenarios.Scenarios.PingAsync));
        root.Subcommands.Add(Scenario(console, "decide", "Decisions through the SDK: allowed, denied, rate-limited and approval-requiring requests.", Scenarios.Scenarios.DecideAsync));
        root.Subcommands.Add(Scenario(console, "http", "The same decisions through POST /v1/decide.", Scenarios.Scenarios.HttpAsync));
        root.Subcommands.Add(Scenario(console, "approve", "Approval round trips: decision, approval, a vote over the API, the runtime proceeds.", Scenarios.Scenarios.ApproveAsync));
        root.Subcommands.Add(Scenario(console, "revoke", "Revoke a credential shared by every agent while decisions run on all silos.", RevokeScenario.RunAsync));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                console.Error.WriteLine("error: " + error.Message);
            }

            return Task.FromResult(2);
        }

        return parse.InvokeAsync();
    }

    private static Command Scenario(LoadConsole console, string name, string description, Func<LoadTarget, LoadOptions, CancellationToken, Task<ScenarioReport>> run)
    {
        var command = new Command(name, description)
        {
            Embedded, Silos, Gateways, Connection, Url, Token, Agents, Tenants, Credentials, Rules, Concurrency, Rate, Duration, Warmup, WithBaseline, JsonFile, Revocations, Quiet, Approvals, Audit, Storage, SiloLogFile,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var options = Read(parse) with { Output = console.Output };
            if (!options.Embedded && ((options.Gateways.Count == 0 && options.Connection is null) || options.Url is null || options.Token is null))
            {
                await console.Error.WriteLineAsync("error: give --embedded, or --connect ip:port (or --connection for a cluster-mode mesh) with --url and --token (or MESH_TOKEN).");
                return 2;
            }

            if (options.Embedded && options.Storage == "sqlite" && options.Silos > 1)
            {
                await console.Error.WriteLineAsync("error: --storage sqlite runs one silo (its files are not shared between silos); use --silos 1, or memory storage for more.");
                return 2;
            }

            if (options.Gateways.Any(g => g.Contains('=', StringComparison.Ordinal)))
            {
                await console.Error.WriteLineAsync("error: --connect takes gateway endpoints (ip:port); for a connection string use --connection.");
                return 2;
            }

            var tables = console.CreateTables();
            await console.Output.WriteLineAsync($"{name}: {options.Describe()}");
            using var siloLog = options.Embedded ? new SiloLog(options.SiloLog ?? SiloLog.DefaultPath()) : null;
            var processOut = console.OwnsProcessConsole && siloLog is not null ? Console.Out : null;
            if (processOut is not null)
            {
                Console.SetOut(siloLog!.Writer);
            }

            try
            {
                var reports = await RunScenarioAsync(name, run, options, siloLog, cancellationToken);
                foreach (var r in reports)
                {
                    r.Print(tables);
                }

                if (options.JsonFile is { } file)
                {
                    await File.WriteAllTextAsync(file, JsonSerializer.Serialize(reports, ScenarioReport.Json), cancellationToken);
                }

                var report = reports[0];
                return report.Errors > 0 || report.StaleAllows > 0 ? 1 : 0;
            }
            finally
            {
                if (processOut is not null)
                {
                    Console.SetOut(processOut);
                }

                if (siloLog is not null)
                {
                    await ReportSiloLogAsync(console, siloLog, keep: options.SiloLog is not null);
                }
            }
        });
        return command;
    }

    private static async Task<List<ScenarioReport>> RunScenarioAsync(string name, Func<LoadTarget, LoadOptions, CancellationToken, Task<ScenarioReport>> run, LoadOptions options, SiloLog? siloLog, CancellationToken cancellationToken)
    {
        await using var target = siloLog is not null
            ? await LoadTarget.StartEmbeddedAsync(options.Silos, siloLog, options.Storage, options.Audit)
            : await LoadTarget.ConnectAsync(options.Gateways, options.Connection, new Uri(options.Url!.EndsWith('/') ? options.Url : options.Url + "/"), options.Token!);
        var reports = new List<ScenarioReport>();
        var report = await run(target, options, cancellationToken);
        if (options.WithBaseline && name != "ping")
        {
            var ping = await Scenarios.Scenarios.PingAsync(target, options, cancellationToken);
            reports.Add(ping);
            report = report with { BaselinePingOpsPerSec = ping.OpsPerSec, RatioToPing = Math.Round(report.OpsPerSec / ping.OpsPerSec, 3) };
        }

        reports.Insert(0, report);
        return reports;
    }

    // The silos' log stays out of the way; it is named only when it holds something to read (or was asked for).
    private static async Task ReportSiloLogAsync(LoadConsole console, SiloLog siloLog, bool keep)
    {
        siloLog.Dispose();
        if (siloLog.Warnings > 0)
        {
            await console.Error.WriteLineAsync($"mesh-load: the embedded silos logged {siloLog.Warnings} warning(s) or error(s): {siloLog.Path}");
        }
        else if (!keep)
        {
            File.Delete(siloLog.Path);
        }
    }

    private static LoadOptions Read(ParseResult parse) => new()
    {
        Embedded = parse.GetValue(Embedded),
        Silos = Math.Max(1, parse.GetValue(Silos)),
        Gateways = parse.GetValue(Gateways) ?? [],
        Connection = parse.GetValue(Connection),
        Url = parse.GetValue(Url),
        Token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable("MESH_TOKEN"),
        Agents = Math.Max(1, parse.GetValue(Agents)),
        Tenants = Math.Max(1, parse.GetValue(Tenants)),
        Credentials = Math.Max(1, parse.GetValue(Credentials)),
        Rules = Math.Max(4, parse.GetValue(Rules)),
        Concurrency = Math.Max(1, parse.GetValue(Concurrency)),
        Rate = parse.GetValue(Rate),
        Duration = TimeSpan.FromSeconds(Math.Max(0.5, parse.GetValue(Duration))),
        Warmup = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(Warmup))),
        WithBaseline = parse.GetValue(WithBaseline),
        JsonFile = parse.GetValue(JsonFile),
        Revocations = Math.Max(1, parse.GetValue(Revocations)),
        Quiet = parse.GetValue(Quiet),
        Approvals = Math.Clamp(parse.GetValue(Approvals), 0, 7),
        Audit = parse.GetValue(Audit) ?? "durable",
        Storage = parse.GetValue(Storage) ?? "memory",
        SiloLog = parse.GetValue(SiloLogFile),
    };
}
