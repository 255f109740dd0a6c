using System.CommandLine;
using System.Text.Json;
using Mesh.Policy.Compilation;
using Mesh.Policy.Model;
using Mesh.Policy.Parsing;
using Mesh.Policy.Testing;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh policy validate|test|publish|versions|show|rollback|simulate|shadow</c>.</summary>
internal static class PolicyCommands
{
    public static Command Create()
    {
        var policy = new Command("policy", "Write, check, test, publish and roll out tenant policies.");
        policy.Subcommands.Add(Validate());
        policy.Subcommands.Add(Test());
        policy.Subcommands.Add(Publish());
        policy.Subcommands.Add(Versions());
        policy.Subcommands.Add(Show());
        policy.Subcommands.Add(Rollback());
        policy.Subcommands.Add(Simulate());
        policy.Subcommands.Add(Shadow());
        return policy;
    }

    private static Option<string> Tenant() => new("--tenant") { Description = "The tenant, e.g. acme.", Required = true };

    private static Argument<FileInfo> PolicyFile(string name = "file") => new(name) { Description = "A policy document (YAML, apiVersion: mesh/v1)." };

    // A file that cannot be within the document limit (each character is at most four bytes) is not read at all.
    private static string Read(FileInfo file) =>
        !file.Exists ? throw new UsageException($"No file '{file.FullName}'.")
        : file.Length > 4L * YamlLimits.MaxDocumentLength ? throw new UsageException($"'{file.Name}' is {file.Length} bytes; a document may hold at most {YamlLimits.MaxDocumentLength} characters.")
        : File.ReadAllText(file.FullName);

    private static Command Validate()
    {
        var file = PolicyFile();
        var command = new Command("validate", "Check a policy without publishing it: every error with file, line, column, rule and what is wrong. Exit code 1 when invalid.\n\nExample:\n  mesh policy validate policy.yaml") { file };
        command.SetAction(CliContext.Run(run =>
        {
            var path = run.Get(file);
            var result = PolicyCompiler.TryCompile(Read(path), 0);
            return Task.FromResult(Report(run, path, result));
        }, needsToken: false));
        return command;
    }

    private static int Report(Invocation run, FileInfo path, PolicyCompilation result)
    {
        if (run.Out.Json)
        {
            var json = JsonSerializer.SerializeToElement(new
            {
                valid = result.Policy is not null,
                rules = result.Policy?.Rules.Count ?? 0,
                errors = result.Errors.Select(e => new { file = path.Name, line = e.Line, column = e.Column, rule = e.RuleId, message = e.Message }),
            }, CliJson.Options);
            run.Out.Object(json);
        }
        else if (result.Policy is { } policy)
        {
            run.Out.Note($"[green]valid:[/] {Markup.Escape(path.Name)}, {policy.Rules.Count} rule(s)");
        }
        else
        {
            foreach (var error in result.Errors)
            {
                CliContext.Error.MarkupLine(Markup.Escape((error with { File = path.Name }).ToString()));
            }

            CliContext.Error.MarkupLine($"[red]{result.Errors.Count} error(s)[/]");
        }

        return result.Policy is null ? ExitCodes.Refused : ExitCodes.Success;
    }

    private static Command Test()
    {
        var file = PolicyFile();
        var cases = new Argument<FileInfo>("cases") { Description = "Test cases (YAML): requests with the effect, and optionally reason and rule, each must get." };
        var command = new Command("test", "Run test cases against a policy, like `opa test`. Prints a table; exit code 1 when a case fails.\n\nExample:\n  mesh policy test policy.yaml policy.cases.yaml") { file, cases };
        command.SetAction(CliContext.Run(run =>
        {
            var path = run.Get(file);
            var compiled = PolicyCompiler.TryCompile(Read(path), 0);
            if (compiled.Policy is not { } policy)
            {
                return Task.FromResult(Report(run, path, compiled));
            }

            var casesPath = run.Get(cases);
            var (parsed, errors) = PolicyTestRunner.ParseCases(Read(casesPath));
            if (errors.Count > 0)
            {
                foreach (var error in errors)
                {
                    CliContext.Error.MarkupLine(Markup.Escape((error with { File = casesPath.Name }).ToString()));
                }

                return Task.FromResult(ExitCodes.Usage);
            }

            var results = PolicyTestRunner.Run(policy, parsed);
            var failed = results.Count(r => !r.Passed);
            if (run.Out.Json)
            {
                // Scripts get every expectation and outcome as fields of their own; an expectation a case left out is absent.
                run.Out.WriteJson(new
                {
                    passed = results.Count - failed,
                    failed,
                    cases = results.Select(r => new
                    {
                        name = r.Case.Name,
                        line = r.Case.Line,
                        passed = r.Passed,
                        expected = new { effect = r.Case.ExpectedEffect, reason = r.Case.ExpectedReason, rule = r.Case.ExpectedRule },
                        actual = new { effect = r.Effect, reason = r.Reason, rule = r.Rule },
                    }),
                });
                return Task.FromResult(failed == 0 ? ExitCodes.Success : ExitCodes.Refused);
            }

            var table = JsonSerializer.SerializeToElement(results.Select(r => new
            {
                name = r.Case.Name,
                line = r.Case.Line,
                passed = r.Passed,
                expected = string.Join(" ", new[] { r.Case.ExpectedEffect, r.Case.ExpectedReason, r.Case.ExpectedRule }.Where(x => x is not null)),
                actual = string.Join(" ", new[] { r.Effect, r.Reason, r.Rule }.Where(x => x is not null)),
            }), CliJson.Options);
            run.Out.List(table, "passed", "name", "expected", "actual", "line");
            run.Out.Note(failed == 0 ? $"[green]{results.Count} passed[/]" : $"[red]{failed} failed[/], {results.Count - failed} passed");
            return Task.FromResult(failed == 0 ? ExitCodes.Success : ExitCodes.Refused);
        }, needsToken: false));
        return command;
    }

    private static Command Publish()
    {
        var tenant = Tenant();
        var file = PolicyFile();
        var command = new Command("publish", "Validate, compile and activate a policy; prints the new version. A malformed policy changes nothing.\n\nExample:\n  mesh policy publish --tenant acme policy.yaml") { tenant, file };
        command.SetAction(CliContext.Run(async run =>
        {
            var yaml = Read(run.Get(file));
            run.Out.Object(await run.Api.PutYamlAsync($"v1/tenants/{Ids.Segment(run.Get(tenant))}/policy", yaml, run.CancellationToken), "policy published");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Versions()
    {
        var tenant = Tenant();
        var command = new Command("versions", "List the tenant's policy versions and which is active or in shadow.\n\nExample:\n  mesh policy versions --tenant acme") { tenant };
        command.SetAction(CliContext.Run(async run =>
        {
            run.Out.List(await run.Api.GetAsync($"v1/tenants/{Ids.Segment(run.Get(tenant))}/policy/versions", run.CancellationToken), "version", "active", "shadow", "rules", "publishedBy", "publishedAt");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Show()
    {
        var tenant = Tenant();
        var version = new Argument<long>("version") { Description = "The version to print." };
        var command = new Command("show", "Print the document of one policy version (YAML; with --output json: tenant, version and the document as a string).\n\nExample:\n  mesh policy show --tenant acme 3") { tenant, version };
        command.SetAction(CliContext.Run(async run =>
        {
            var document = await run.Api.GetTextAsync($"v1/tenants/{Ids.Segment(run.Get(tenant))}/policy/versions/{run.Get(version)}", run.CancellationToken);
            if (run.Out.Json)
            {
                run.Out.WriteJson(new { tenant = run.Get(tenant), version = run.Get(version), document });
                return ExitCodes.Success;
            }

            CliContext.Console.Profile.Out.Writer.Write(document);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Rollback()
    {
        var tenant = Tenant();
        var version = new Argument<long>("version") { Description = "The earlier version to make active again." };
        var command = new Command("rollback", "Make an earlier policy version active again; decisions name the version they used.\n\nExample:\n  mesh policy rollback --tenant acme 2") { tenant, version };
        command.SetAction(CliContext.Run(async run =>
        {
            run.Out.Object(await run.Api.PostAsync($"v1/tenants/{Ids.Segment(run.Get(tenant))}/policy/rollback", new { version = run.Get(version) }, run.CancellationToken), "policy rolled back");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Simulate()
    {
        var tenant = Tenant();
        var candidate = PolicyFile("candidate");
        var requests = new Option<FileInfo?>("--requests") { Description = "Recorded requests, one JSON object per line (the body of POST /v1/decide, optionally with decidedAt)." };
        var since = new Option<string?>("--since")
        {
            Description = "Instead of --requests: replay the tenant's decisions the audit trail recorded since then (" + TimeArguments.Help + "), "
                + "oldest first, each at the time it was decided; at most 100000, and requests refused before authentication are skipped. "
                + "Attribute and evidence values the policy marks secret were recorded as their sha256 hash and are replayed as such, "
                + "so conditions on them may decide differently than they did.",
        };
        var command = new Command("simulate", "Replay recorded requests against the active policy and a candidate, and list every decision that would change.\n\nExamples:\n  mesh policy simulate --tenant acme candidate.yaml --since 24h\n  mesh policy simulate --tenant acme candidate.yaml --requests recorded.jsonl") { tenant, candidate, requests, since };
        command.SetAction(CliContext.Run(async run =>
        {
            if ((run.Get(requests) is null) == (run.Get(since) is null))
            {
                throw new UsageException("Give exactly one of --requests (a file of recorded requests) and --since (the audit trail's decisions since then).");
            }

            object body = run.Get(since) is { } from
                ? new { candidate = Read(run.Get(candidate)), since = TimeArguments.Parse(from, "--since", TimeProvider.System.GetUtcNow()) }
                : new { candidate = Read(run.Get(candidate)), requests = await ReadRequestsAsync(run.Get(requests)!, run.CancellationToken) };
            var report = await run.Api.PostAsync($"v1/tenants/{Ids.Segment(run.Get(tenant))}/policy/simulate", body, run.CancellationToken);
            if (run.Out.Json)
            {
                run.Out.Object(report);
            }
            else
            {
                var changes = report.GetProperty("changes");
                run.Out.List(changes, SimulationColumns);
                var outside = report.TryGetProperty("decidedOutsidePolicy", out var count) ? count.GetInt32() : 0;
                run.Out.Note($"{changes.GetArrayLength()} of {report.GetProperty("requests").GetInt32()} decision(s) would change"
                    + (outside > 0 ? $"; {outside} were decided before the policy was consulted (paused, revoked, out of scope...) and stay as they were." : "."));
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    // The two decisions side by side, each column named for the side it shows: what was recorded (the audit record,
    // the request file's "recorded", or the active policy when neither says) and what the candidate would decide.
    private static readonly string[] SimulationColumns =
    [
        "index", "requestId:request", "agentId:agent", "tool", "operation", "target",
        "recorded.effect:effect recorded", "recorded.reason:reason recorded", "recorded.ruleId:rule recorded",
        "candidate.effect:effect candidate", "candidate.reason:reason candidate", "candidate.ruleId:rule candidate",
        "recorded.source:recorded from",
    ];

    private static async Task<List<JsonElement>> ReadRequestsAsync(FileInfo file, CancellationToken cancellationToken)
    {
        var lines = File.Exists(file.FullName)
            ? await File.ReadAllLinesAsync(file.FullName, cancellationToken)
            : throw new UsageException($"No file '{file.FullName}'.");
        var recorded = new List<JsonElement>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                recorded.Add(JsonDocument.Parse(lines[i], CliJson.Reading).RootElement.Clone());
            }
            catch (JsonException ex)
            {
                throw new UsageException($"{file.Name}:{i + 1}: not a JSON object ({ex.Message}).");
            }
        }

        return recorded;
    }

    private static Command Shadow()
    {
        var tenant = Tenant();
        var candidate = new Argument<FileInfo?>("candidate") { Description = "The candidate policy to run in shadow.", Arity = ArgumentArity.ZeroOrOne };
        var report = new Option<bool>("--report") { Description = "Show what the running shadow policy would have changed." };
        var stop = new Option<bool>("--stop") { Description = "Stop shadow evaluation." };
        var command = new Command("shadow", "Evaluate a candidate on live traffic next to the active policy, never enforcing it, and report the differences.\n\nExamples:\n  mesh policy shadow --tenant acme candidate.yaml\n  mesh policy shadow --tenant acme --report\n  mesh policy shadow --tenant acme --stop")
        {
            tenant, candidate, report, stop,
        };
        command.SetAction(CliContext.Run(async run =>
        {
            var path = $"v1/tenants/{Ids.Segment(run.Get(tenant))}/policy/shadow";
            if (run.Get(report))
            {
                var result = await run.Api.GetAsync(path, run.CancellationToken);
                if (run.Out.Json)
                {
                    run.Out.Object(result);
                    return ExitCodes.Success;
                }

                run.Out.Note($"shadow version {result.GetProperty("shadowVersion")} against active version {result.GetProperty("activeVersion")}: {result.GetProperty("differences")} difference(s)");
                foreach (var change in result.GetProperty("byChange").EnumerateObject())
                {
                    run.Out.Note($"  {Markup.Escape(change.Name)}: {change.Value}");
                }

                run.Out.List(result.GetProperty("examples"), "requestId:request", "agentId:agent", "tool", "operation", "target", "activeEffect:effect active", "activeRule:rule active", "shadowEffect:effect shadow", "shadowRule:rule shadow");
                return ExitCodes.Success;
            }

            if (run.Get(stop))
            {
                run.Out.Object(await run.Api.DeleteAsync(path, null, run.CancellationToken), "shadow stopped");
                return ExitCodes.Success;
            }

            var file = run.Get(candidate) ?? throw new UsageException("Name the candidate policy file, or pass --report or --stop.");
            run.Out.Object(await run.Api.PutYamlAsync(path, Read(file), run.CancellationToken), "shadow started");
            return ExitCodes.Success;
        }));
        return command;
    }
}
