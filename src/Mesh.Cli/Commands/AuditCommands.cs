using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Mesh.Cli.Output;
using OpenTelemetry.Exporter;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh audit query|tail|export|verify|checkpoint|key</c>: the audit trail, for admins and auditors.</summary>
internal static class AuditCommands
{
    public static Command Create()
    {
        var audit = new Command("audit", "Search, follow, export and verify the audit trail (needs an admin or auditor token).");
        audit.Subcommands.Add(Query());
        audit.Subcommands.Add(Tail());
        audit.Subcommands.Add(Export());
        audit.Subcommands.Add(Verify());
        audit.Subcommands.Add(Checkpoint());
        audit.Subcommands.Add(Key());
        return audit;
    }

    private static Command Query()
    {
        var filters = new Filters();
        var limit = new Option<int>("--limit") { Description = "At most this many records (1-10000).", DefaultValueFactory = _ => 100 };
        var after = new Option<long?>("--after") { Description = "Only records after this cursor (the next page: the cursor the previous page printed)." };
        var order = new Option<string>("--order") { Description = "asc (oldest first) or desc (newest first).", DefaultValueFactory = _ => "asc" };
        order.AcceptOnlyFromAmong("asc", "desc");
        var command = new Command("query", """
            Search the audit trail: records matching every filter given, as a table or (--output json) the API's page.

            Examples:
              mesh audit query --agent acme/release-bot --since 2h
              mesh audit query --tenant acme --kind decision --effect deny --since 7d --order desc --limit 20
              mesh audit query --request r-1 -o json
            """) { limit, after, order };
        filters.AddTo(command);
        command.SetAction(CliContext.Run(async run =>
        {
            var parameters = filters.Parameters(run);
            parameters.Add("limit=" + run.Get(limit).ToString(CultureInfo.InvariantCulture));
            parameters.Add("order=" + run.Get(order));
            if (run.Get(after) is { } cursor)
            {
                parameters.Add("after=" + cursor.ToString(CultureInfo.InvariantCulture));
            }

            var page = await run.Api.GetAsync("v1/audit/records?" + string.Join('&', parameters), run.CancellationToken);
            if (run.Out.Json)
            {
                run.Out.Object(page);
                return ExitCodes.Success;
            }

            var rows = page.GetProperty("records").EnumerateArray().Select(r => new
            {
                time = Time(r, "yyyy-MM-dd HH:mm:ss"),
                id = Text(r, "id"),
                kind = Text(r, "kind"),
                actor = Text(r, "actor"),
                outcome = Outcome(r),
                message = Text(r, "message") ?? Text(r, "problem"),
            });
            run.Out.List(JsonSerializer.SerializeToElement(rows, CliJson.Options), "time:time (UTC)", "id:record", "kind", "actor", "outcome", "message");
            if (page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.Number)
            {
                run.Out.Note($"[grey]more: add --after {next.GetInt64()}[/]");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Tail()
    {
        var filters = new Filters();
        var after = new Option<long?>("--after") { Description = "Start after this cursor instead of with the next new record (0: from the beginning)." };
        var command = new Command("tail", """
            Follow the audit trail live: one line per record (time, record, kind, actor, effect/reason, message, and the
            reason an operator gave), or one JSON object per line with --output json. Starts with the next new record;
            --since first shows the records stored since then (a short backlog, e.g. --since 5m). Says on stderr that it
            is following; runs until Ctrl+C.

            Examples:
              mesh audit tail --tenant acme
              mesh audit tail --tenant acme --since 5m
              mesh audit tail --agent acme/release-bot --kind decision --effect deny -o json
            """) { after };
        filters.AddTo(command);
        command.SetAction(CliContext.Run(async run =>
        {
            var parameters = filters.Parameters(run);
            var backlog = filters.Since(run);
            if (run.Get(after) is { } cursor)
            {
                parameters.Add("after=" + cursor.ToString(CultureInfo.InvariantCulture));
            }
            else if (backlog is not null)
            {
                // The since filter bounds the records; starting from the first cursor makes them a backlog, not a wait.
                parameters.Add("after=0");
            }

            var writer = CliContext.Console.Profile.Out.Writer;
            var following = backlog is { } from
                ? $"following the audit trail{Described(filters, run)}, starting with the records since {from.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}; press Ctrl+C to stop."
                : $"following the audit trail{Described(filters, run)}: new records appear as they are stored; press Ctrl+C to stop.";
            try
            {
                // On stderr, once the mesh has accepted the tail: standard output holds records only, so pipes stay clean.
                await foreach (var line in run.Api.GetLinesAsync(Path("v1/audit/tail", parameters), run.CancellationToken, () => CliContext.Error.WriteLine(following)))
                {
                    // The mesh's last line when it closes the tail on purpose (the token was revoked): not a record.
                    if (TailEnd(line) is { } end)
                    {
                        CliContext.Error.MarkupLineInterpolated($"[red]refused:[/] the mesh closed the tail: {end}");
                        return ExitCodes.Refused;
                    }

                    if (run.Out.Json)
                    {
                        writer.WriteLine(TerminalText.Reveal(line));
                    }
                    else
                    {
                        using var document = JsonDocument.Parse(line, CliJson.Reading);
                        writer.WriteLine(TerminalText.Reveal(Line(document.RootElement)));
                    }

                    writer.Flush();
                }
            }
            catch (OperationCanceledException) when (run.CancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Success;
            }

            if (run.CancellationToken.IsCancellationRequested)
            {
                return ExitCodes.Success;
            }

            CliContext.Error.MarkupLine("[red]unreachable:[/] the mesh ended the tail (the silo is stopping).");
            return ExitCodes.Unreachable;
        }));
        return command;
    }

    private static string Described(Filters filters, Invocation run) =>
        filters.Scope(run) is { Length: > 0 } scope ? $" ({TerminalText.Reveal(scope)})" : string.Empty;

    private static string? TailEnd(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("end", out var end) && !root.TryGetProperty("id", out _)
            ? root.TryGetProperty("detail", out var detail) ? $"{end.GetString()}: {detail.GetString()}" : end.GetString()
            : null;
    }

    private static Command Export()
    {
        var filters = new Filters();
        var output = new Option<string?>("--out") { Description = "A folder (gets audit-000001.jsonl, audit-000002.jsonl, ...) or a file name such as out/acme.jsonl (gets out/acme-000001.jsonl, ...). Existing files are never overwritten." };
        var rotate = new Option<string>("--rotate-size") { Description = "Start the next file before one would grow past this size: bytes, KB, MB or GB (powers of 1024).", DefaultValueFactory = _ => "100MB" };
        var otlp = new Option<string?>("--otlp") { Description = "Send the records to this OpenTelemetry collector as log records instead, e.g. http://collector:4318 (http/protobuf: /v1/logs is added to a URL without a path) or http://collector:4317 (grpc)." };
        var protocol = new Option<string>("--otlp-protocol") { Description = "http/protobuf or grpc.", DefaultValueFactory = _ => "http/protobuf" };
        protocol.AcceptOnlyFromAmong("http/protobuf", "grpc");
        var after = new Option<long?>("--after") { Description = "Only records after this cursor: to resume an export that stopped (it prints where)." };
        var command = new Command("export", """
            Export every matching record stored when the export starts, oldest first: to JSON Lines files (one record per
            line, as `mesh audit query -o json` shows them), or to an OpenTelemetry collector over OTLP (body: the message;
            attributes: mesh.audit.id, .stream, .sequence, .kind, .tenant, .actor, .agent, .request_id, .effect, .reason,
            .rule, .policy_version, .hash, .previous_hash; timestamp: the record's time). OTLP headers (for example an API
            key) come from OTEL_EXPORTER_OTLP_HEADERS. Progress goes to stderr. Exit code 4 when the export did not
            complete; files hold whole lines only, and the message says which --after resumes it.

            Examples:
              mesh audit export --out audit-2025-06/ --since 30d
              mesh audit export --out archive/acme.jsonl --tenant acme --rotate-size 1GB
              mesh audit export --otlp http://collector:4318 --since 24h
            """) { output, rotate, otlp, protocol, after };
        filters.AddTo(command);
        command.SetAction(CliContext.Run(async run =>
        {
            if ((run.Get(output) is null) == (run.Get(otlp) is null))
            {
                throw new UsageException("Give exactly one of --out (JSON Lines files) and --otlp (an OpenTelemetry collector).");
            }

            var parameters = filters.Parameters(run);
            if (run.Get(after) is { } cursor)
            {
                parameters.Add("after=" + cursor.ToString(CultureInfo.InvariantCulture));
            }

            var path = Path("v1/audit/export", parameters);
            if (run.Get(output) is { } folder)
            {
                return JsonLinesFiles.TryParseSize(run.Get(rotate), out var size) && size >= 1024
                    ? await ToFilesAsync(run, path, folder, size)
                    : throw new UsageException($"--rotate-size '{run.Get(rotate)}' is not a size of at least 1KB, such as 100MB or 1GB.");
            }

            var otlpProtocol = run.Get(protocol) == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;
            return await ToOtlpAsync(run, path, OtlpEndpoint(run.Get(otlp)!, otlpProtocol), otlpProtocol);
        }));
        return command;
    }

    private static Command Verify()
    {
        var stream = new Option<string?>("--stream") { Description = "Only this stream: an agent id, a tenant id, or _mesh." };
        var coverage = new Option<int?>("--coverage-intervals")
        {
            Description = "Report records older than this many checkpoint intervals that no signed checkpoint covers (default: the silo's Mesh:Audit:CoverageIntervals, 3; 0: every record must be signed).",
        };
        coverage.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0 or > 10_000)
            {
                result.AddError("--coverage-intervals must be from 0 to 10000.");
            }
        });
        var command = new Command("verify", """
            Verify the audit trail: every record's hash, every stream's chain (nothing edited, deleted, inserted,
            reordered or cut off), every signed checkpoint (trusted key, not replayed), and that every record older
            than a few checkpoint intervals is covered by a signed checkpoint. Prints a summary, or each problem (kind,
            first broken record, what happened) and exits 1. A large store takes a while: raise --timeout (seconds).

            Examples:
              mesh audit verify
              mesh audit verify --stream acme/release-bot -o json
              mesh audit verify --coverage-intervals 0
            """) { stream, coverage };
        command.SetAction(CliContext.Run(async run =>
        {
            var parameters = new List<string>();
            if (run.Get(stream) is { } s)
            {
                parameters.Add("stream=" + Uri.EscapeDataString(s));
            }

            if (run.Get(coverage) is { } intervals)
            {
                parameters.Add("coverageIntervals=" + intervals.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            var query = parameters.Count == 0 ? string.Empty : "?" + string.Join('&', parameters);
            var result = await run.Api.PostAsync("v1/audit/verify" + query, null, run.CancellationToken);
            var ok = result.GetProperty("ok").GetBoolean();
            if (run.Out.Json)
            {
                run.Out.Object(result);
                return ok ? ExitCodes.Success : ExitCodes.Refused;
            }

            var summary = $"{result.GetProperty("records")} record(s) in {result.GetProperty("streams")} stream(s), {result.GetProperty("checkpoints")} signed checkpoint(s); {result.GetProperty("unconfirmed")} record(s) not yet covered by a checkpoint";
            if (ok)
            {
                run.Out.Note($"[green]ok:[/] {Markup.Escape(summary)}");
                return ExitCodes.Success;
            }

            var writer = CliContext.Console.Profile.Out.Writer;
            foreach (var problem in result.GetProperty("problems").EnumerateArray())
            {
                writer.WriteLine(TerminalText.Reveal($"{Text(problem, "kind")}  {Text(problem, "recordId") ?? "-"}  {Text(problem, "message")}"));
            }

            run.Out.Note($"[red]{result.GetProperty("problems").GetArrayLength()} problem(s)[/] ({Markup.Escape(summary)})");
            return ExitCodes.Refused;
        }));
        return command;
    }

    private static Command Checkpoint()
    {
        var command = new Command("checkpoint", "Sign a checkpoint now of the streams the silo wrote since its last one (silos also sign them on a timer).\n\nExample:\n  mesh audit checkpoint");
        command.SetAction(CliContext.Run(async run =>
        {
            run.Out.Object(await run.Api.PostAsync("v1/audit/checkpoints", null, run.CancellationToken), "checkpoint");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Key()
    {
        var command = new Command("key", "Print the public key (PEM) the silo signs checkpoints with, for verifiers elsewhere to pin (Mesh:Audit:TrustedPublicKeys).\n\nExample:\n  mesh audit key > silo-1.pem");
        command.SetAction(CliContext.Run(async run =>
        {
            var key = await run.Api.GetAsync("v1/audit/key", run.CancellationToken);
            if (run.Out.Json)
            {
                run.Out.Object(key);
            }
            else
            {
                CliContext.Console.Profile.Out.Writer.Write(key.GetProperty("publicKeyPem").GetString());
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static async Task<int> ToFilesAsync(Invocation run, string path, string output, long rotateBytes)
    {
        using var files = JsonLinesFiles.Create(output, rotateBytes);
        var progress = new Progress();
        var records = 0L;
        try
        {
            try
            {
                await foreach (var line in run.Api.GetLinesAsync(path, run.CancellationToken))
                {
                    files.Write(line, Cursor(line));
                    progress.Report(++records, files.Current);
                }
            }
            catch (MeshUnreachableException ex) when (records > 0)
            {
                files.Finish();
                return Incomplete($"the mesh stopped sending after {records} record(s): {ex.Message}", files);
            }
            catch (OperationCanceledException) when (run.CancellationToken.IsCancellationRequested)
            {
                files.Finish();
                return Incomplete($"cancelled after {records} record(s)", files);
            }

            files.Finish();
        }
        catch (ExportFileException ex)
        {
            return Incomplete("could not write " + ex.Message, files);
        }

        CliContext.Error.WriteLine($"exported {records} record(s) to {files.Completed.Count} file(s){(files.Completed.Count > 0 ? " in " + System.IO.Path.GetDirectoryName(files.Completed[0]) : string.Empty)}");
        if (run.Out.Json)
        {
            run.Out.Object(JsonSerializer.SerializeToElement(new { records, files = files.Completed }, CliJson.Options));
        }

        return ExitCodes.Success;
    }

    private static int Incomplete(string what, JsonLinesFiles files)
    {
        var resume = files.WrittenCursor > 0 ? $"; resume into a new --out with --after {files.WrittenCursor}" : string.Empty;
        CliContext.Error.MarkupLine($"[red]export incomplete:[/] {Markup.Escape(what)}. {files.Completed.Count} complete file(s), whole lines only{Markup.Escape(resume)}.");
        return ExitCodes.ExportFailed;
    }

    private static async Task<int> ToOtlpAsync(Invocation run, string path, Uri endpoint, OtlpExportProtocol protocol)
    {
        using var sender = new OtlpLogSender(endpoint, protocol, TimeSpan.FromSeconds(run.Parse.GetValue(CliContext.Timeout)));
        var progress = new Progress();
        var records = 0L;
        var complete = true;
        try
        {
            await foreach (var line in run.Api.GetLinesAsync(path, run.CancellationToken))
            {
                using var document = JsonDocument.Parse(line, CliJson.Reading);
                sender.Send(document.RootElement);
                progress.Report(++records, endpoint.ToString());
            }
        }
        catch (MeshUnreachableException ex) when (records > 0)
        {
            CliContext.Error.MarkupLine($"[red]export incomplete:[/] the mesh stopped sending after {records} record(s): {Markup.Escape(ex.Message)}");
            complete = false;
        }

        var accepted = sender.Complete();
        if (!accepted || !complete)
        {
            // The cause once (connection refused, a status, a timeout), not once per batch.
            var cause = sender.FailureCause is { } why ? $": {why}" : string.Empty;
            CliContext.Error.MarkupLine($"[red]export failed:[/] the collector at {Markup.Escape(endpoint.ToString())} accepted {sender.Accepted} of {records} record(s) ({sender.Failed} failed){Markup.Escape(TerminalText.Reveal(cause))}. Check the endpoint, --otlp-protocol and the collector's log.");
            return ExitCodes.ExportFailed;
        }

        CliContext.Error.WriteLine($"exported {records} record(s) to {endpoint}");
        if (run.Out.Json)
        {
            run.Out.Object(JsonSerializer.SerializeToElement(new { records, endpoint = endpoint.ToString() }, CliJson.Options));
        }

        return ExitCodes.Success;
    }

    private static Uri OtlpEndpoint(string text, OtlpExportProtocol protocol)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--otlp '{text}' is not an http:// or https:// URL of an OpenTelemetry collector.");
        }

        // With an explicit endpoint the SDK posts to it as given; collectors take OTLP/HTTP logs at /v1/logs.
        return protocol == OtlpExportProtocol.HttpProtobuf && uri.AbsolutePath == "/" ? new Uri(uri, "v1/logs") : uri;
    }

    private static string Path(string path, List<string> parameters) => parameters.Count == 0 ? path : path + "?" + string.Join('&', parameters);

    private static long Cursor(string line)
    {
        using var document = JsonDocument.Parse(line, CliJson.Reading);
        return document.RootElement.TryGetProperty("cursor", out var cursor) && cursor.TryGetInt64(out var value) ? value : 0;
    }

    /// <summary>One record on one line: time, record id, kind, actor, effect/reason, message.</summary>
    internal static string Line(JsonElement record)
    {
        var message = Text(record, "message") ?? Text(record, "problem") ?? string.Empty;
        var line = new StringBuilder(128)
            .Append(Time(record)).Append("  ")
            .Append(Text(record, "id")).Append("  ")
            .Append(Text(record, "kind")).Append("  ")
            .Append(Text(record, "actor") ?? "-").Append("  ")
            .Append(Outcome(record) ?? "-").Append("  ");
        // The reason an operator gave (a pause, a quarantine, a revocation) is what a reader of the tail wants to know.
        if (record.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.Object && Text(detail, "reason") is { Length: > 0 } reason)
        {
            message = message.Length == 0 ? $"reason: {reason}" : $"{message} (reason: {reason})";
        }

        foreach (var c in message)
        {
            line.Append(char.IsControl(c) ? ' ' : c);
        }

        return line.ToString();
    }

    private static string? Outcome(JsonElement record) => (Text(record, "effect"), Text(record, "reason")) switch
    {
        (null, null) => null,
        ({ } effect, null) => effect,
        (null, { } reason) => reason,
        ({ } effect, { } reason) => effect + "/" + reason,
    };

    private static string Time(JsonElement record, string format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'") =>
        Text(record, "time") is { } text && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            ? time.UtcDateTime.ToString(format, CultureInfo.InvariantCulture)
            : "-";

    private static string? Text(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The filters query, tail and export share, turned into the API's query parameters.</summary>
    private sealed class Filters
    {
        private readonly Option<string?> _tenant = new("--tenant") { Description = "Only this tenant's records (_mesh: fleet-wide actions)." };
        private readonly Option<string?> _agent = new("--agent") { Description = "Only records about this agent: its decisions and outcomes, approvals and operator actions about it." };
        private readonly Option<string?> _stream = new("--stream") { Description = "Only this stream: an agent id, a tenant id, or _mesh." };
        private readonly Option<string?> _request = new("--request") { Description = "Only this request id." };
        private readonly Option<string?> _since = new("--since") { Description = "Only records at or after this time: " + TimeArguments.Help + "." };
        private readonly Option<string?> _until = new("--until") { Description = "Only records before this time: " + TimeArguments.Help + "." };
        private readonly Option<string[]> _kind = new("--kind") { Description = "Only these kinds (repeat it, or a comma list): decision, outcome, approval_opened, approval_vote, approval_expired, approval_consumed, approval_cancelled, operator_action, policy_change." };
        private readonly Option<string?> _effect = new("--effect") { Description = "Only decisions with this effect: allow, deny or require_approval." };
        private readonly Option<string?> _reason = new("--reason") { Description = "Only decisions with this reason code, e.g. credential_revoked." };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { _tenant, _agent, _stream, _request, _since, _until, _kind, _effect, _reason })
            {
                command.Options.Add(option);
            }
        }

        public List<string> Parameters(Invocation run)
        {
            var now = TimeProvider.System.GetUtcNow();
            var parameters = new List<string>();
            Add(parameters, "tenant", run.Get(_tenant));
            Add(parameters, "agent", run.Get(_agent));
            Add(parameters, "stream", run.Get(_stream));
            Add(parameters, "requestId", run.Get(_request));
            Add(parameters, "from", run.Get(_since) is { } since ? TimeArguments.ToQuery(TimeArguments.Parse(since, "--since", now)) : null);
            Add(parameters, "to", run.Get(_until) is { } until ? TimeArguments.ToQuery(TimeArguments.Parse(until, "--until", now)) : null);
            foreach (var kind in run.Get(_kind) ?? [])
            {
                Add(parameters, "kind", kind);
            }

            Add(parameters, "effect", run.Get(_effect));
            Add(parameters, "reason", run.Get(_reason));
            return parameters;
        }

        /// <summary>The time <c>--since</c> names, if given.</summary>
        public DateTimeOffset? Since(Invocation run) =>
            run.Get(_since) is { } since ? TimeArguments.Parse(since, "--since", TimeProvider.System.GetUtcNow()) : null;

        /// <summary>The filters given, as a person reads them: <c>tenant acme, kind decision</c>.</summary>
        public string Scope(Invocation run)
        {
            var given = new List<string>();
            void Name(string what, string? value)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    given.Add($"{what} {value}");
                }
            }

            Name("tenant", run.Get(_tenant));
            Name("agent", run.Get(_agent));
            Name("stream", run.Get(_stream));
            Name("request", run.Get(_request));
            Name("kind", string.Join(',', run.Get(_kind) ?? []));
            Name("effect", run.Get(_effect));
            Name("reason", run.Get(_reason));
            return string.Join(", ", given);
        }

        private static void Add(List<string> parameters, string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                parameters.Add(name + "=" + Uri.EscapeDataString(value));
            }
        }
    }

    /// <summary>Records written so far, on stderr, at most once a second.</summary>
    private sealed class Progress
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last;

        public void Report(long records, string? where)
        {
            if (_clock.Elapsed - _last < TimeSpan.FromSeconds(1))
            {
                return;
            }

            _last = _clock.Elapsed;
            CliContext.Error.WriteLine(where is null ? $"{records} record(s) written" : $"{records} record(s) written ({where})");
        }
    }
}
