using System.Buffers;
using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Mesh.Contracts.Audit;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Keys;
using Mesh.Grains.Audit;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>
/// The audit trail: search, live tail and export (JSON Lines), verification, checkpoints on demand and the signing
/// key. Admins and auditors only. Every record is rendered from its hashed body, never from the search columns: the
/// columns only choose which rows to read.
/// </summary>
internal static partial class AuditEndpoints
{
    /// <summary>The media type of tail and export: one JSON record per line.</summary>
    public const string NdJson = "application/x-ndjson";

    // How often a tail asks the store for new records. The store is the only place every silo's records meet, so a
    // tail polls it; a quarter second keeps "live" live without loading the store.
    private static readonly TimeSpan TailPollInterval = TimeSpan.FromMilliseconds(250);

    // Records written to the response between flushes: the client's pace holds back the reading, a batch never piles up in memory.
    private const int FlushEvery = 256;

    private static readonly string[] FilterParameters = ["tenant", "agent", "stream", "requestId", "from", "to", "kind", "effect", "reason"];
    private static readonly string[] SearchParameters = [.. FilterParameters, "after", "limit", "order"];
    private static readonly string[] StreamParameters = [.. FilterParameters, "after"];
    private static readonly string[] Effects = ["allow", "deny", "require_approval"];

    public static void Map(RouteGroupBuilder v1)
    {
        var audit = v1.MapGroup("/audit").RequireAuthorization(ApiPolicies.Audit);
        audit.MapGet("/records", QueryAsync)
            .WithSummary("Search the audit trail: records matching every filter given, oldest first (order=desc: newest first), a page at a time.")
            .Produces<AuditPage>();
        audit.MapGet("/tail", TailAsync)
            .WithSummary("Follow the audit trail live as JSON Lines: the records after the cursor (default: only new ones), then each new record as it is stored, until the client disconnects. The token is re-checked before every batch: once it is revoked the tail sends a last line {\"end\":\"token_revoked\",...} and closes.")
            .Produces<AuditRecordView>(contentType: NdJson);
        audit.MapGet("/export", ExportAsync)
            .WithSummary("Every matching record stored when the export started, oldest first, as JSON Lines (streamed).")
            .Produces<AuditRecordView>(contentType: NdJson);
        audit.MapPost("/verify", VerifyAsync)
            .WithSummary("Verify hashes, chains and signed checkpoints of every stream (or one), and that every record older than coverageIntervals checkpoint intervals (default Mesh:Audit:CoverageIntervals, 3) is signed; always 200, the body says ok or lists each problem.")
            .Produces<AuditVerificationView>();
        audit.MapPost("/checkpoints", CheckpointAsync)
            .WithSummary("Sign a checkpoint of the streams this silo wrote since its last one, now.")
            .Produces<CheckpointView>();
        audit.MapGet("/key", ([FromServices] AuditSigningKey key) => Results.Ok(new SigningKeyView(key.KeyId, key.PublicKeyPem())))
            .WithSummary("The public key this silo signs checkpoints with (PEM), for verifiers elsewhere to pin.")
            .Produces<SigningKeyView>();
    }

    private static async Task<IResult> QueryAsync(HttpRequest request, [FromServices] IAuditStore store)
    {
        var query = Filters(request, SearchParameters);
        var limit = QueryParameters.Limit(request, AuditQuery.MaxLimit, 100);
        var newestFirst = QueryParameters.Single(request, "order") switch
        {
            null or "asc" => false,
            "desc" => true,
            var other => throw QueryParameters.Invalid($"order '{other}' must be asc or desc."),
        };

        query = query with { AfterId = After(request) ?? 0, Limit = limit, NewestFirst = newestFirst };
        var records = new List<AuditRecordView>(Math.Min(limit, 1024));
        await foreach (var row in store.QueryAsync(query, request.HttpContext.RequestAborted))
        {
            records.Add(AuditRecordView.From(row));
        }

        // Paging goes forward only (the store's cursor is "after"): a full ascending page has a next one to ask for.
        long? next = !newestFirst && records.Count == limit ? records[^1].Cursor : null;
        return Results.Ok(new AuditPage(records, next));
    }

    private static async Task TailAsync(HttpContext context, [FromServices] IAuditStore store, [FromServices] IGrainFactory grains, [FromServices] IHostApplicationLifetime lifetime)
    {
        var query = Filters(context.Request, StreamParameters);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;
        var cursor = After(context.Request) ?? await NewestIdAsync(store, cancellationToken);
        var output = await NdJsonOutput.StartAsync(context.Response, cancellationToken);
        var batch = new List<AuditRow>(FlushEvery);

        // Sends a batch only after checking that the token is still live: the check runs after the rows were read, so
        // a record stored after a revocation is never sent to the revoked token. An empty batch is the idle re-check.
        async Task<bool> SendAsync()
        {
            if (!await LiveApiToken.IsLiveAsync(context, grains))
            {
                output.WriteEnd(TailEnd.TokenRevoked);
                await output.FlushAsync(cancellationToken);
                return false;
            }

            foreach (var row in batch)
            {
                output.Write(AuditRecordView.From(row));
                cursor = row.Id;
            }

            batch.Clear();
            await output.FlushAsync(cancellationToken);
            return true;
        }

        try
        {
            while (true)
            {
                // Read before the search: everything stored up to here that matches is in this batch, so a tail with a
                // narrow filter can move its cursor past the records that did not match and never search them again.
                var newest = await NewestIdAsync(store, cancellationToken);
                var count = 0;
                await foreach (var row in store.QueryAsync(query with { AfterId = cursor, Limit = AuditQuery.MaxLimit }, cancellationToken))
                {
                    batch.Add(row);
                    count++;
                    if (batch.Count == FlushEvery && !await SendAsync())
                    {
                        return;
                    }
                }

                if (!await SendAsync())
                {
                    return;
                }

                if (count < AuditQuery.MaxLimit)
                {
                    cursor = Math.Max(cursor, newest);
                    await Task.Delay(TailPollInterval, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the silo is stopping: the end of a tail.
        }
    }

    private static async Task ExportAsync(HttpContext context, [FromServices] IAuditStore store, [FromServices] IHostApplicationLifetime lifetime)
    {
        var query = Filters(context.Request, StreamParameters);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var cancellationToken = stop.Token;

        // A snapshot: the records stored when the export started. On a busy silo paging would otherwise chase new records.
        var last = await NewestIdAsync(store, cancellationToken);
        var cursor = After(context.Request) ?? 0;
        var output = await NdJsonOutput.StartAsync(context.Response, cancellationToken);
        try
        {
            while (cursor < last)
            {
                var count = 0;
                await foreach (var row in store.QueryAsync(query with { AfterId = cursor, Limit = AuditQuery.MaxLimit }, cancellationToken))
                {
                    count++;
                    cursor = row.Id;
                    if (row.Id > last)
                    {
                        break;
                    }

                    output.Write(AuditRecordView.From(row));
                    if (count % FlushEvery == 0)
                    {
                        await output.FlushAsync(cancellationToken);
                    }
                }

                await output.FlushAsync(cancellationToken);
                if (count < AuditQuery.MaxLimit)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // An export cut short must not end like a complete one: break the connection so the client sees it.
            context.Abort();
        }
    }

    private static async Task<IResult> VerifyAsync(HttpRequest request, [FromServices] AuditVerifier verifier)
    {
        QueryParameters.RefuseUnknown(request, ["stream", "coverageIntervals"]);
        var stream = QueryParameters.Single(request, "stream") is { } s ? Stream(s) : null;
        int? coverage = QueryParameters.Single(request, "coverageIntervals") is { } text
            ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed <= 10_000
                ? parsed
                : throw QueryParameters.Invalid($"coverageIntervals '{text}' must be a whole number from 0 to 10000.")
            : null;
        var verification = await verifier.VerifyAsync(stream, coverage, request.HttpContext.RequestAborted);
        return Results.Ok(AuditVerificationView.From(verification));
    }

    private static async Task<IResult> CheckpointAsync(HttpRequest request, [FromServices] AuditCheckpointer checkpointer)
    {
        QueryParameters.RefuseUnknown(request, []);
        var checkpoint = await checkpointer.CheckpointNowAsync(request.HttpContext.RequestAborted);
        return Results.Ok(checkpoint is null
            ? new CheckpointView(false, null, null, null, null)
            : new CheckpointView(true, checkpoint.Time, checkpoint.KeyId, checkpoint.Writer, AuditCheckpoints.Decode(checkpoint.Body).Count));
    }

    private static async Task<long> NewestIdAsync(IAuditStore store, CancellationToken cancellationToken)
    {
        await foreach (var row in store.QueryAsync(new AuditQuery { NewestFirst = true, Limit = 1 }, cancellationToken))
        {
            return row.Id;
        }

        return 0;
    }

    /// <summary>The filters every search shares, validated; unknown parameters are refused so a typo never widens a search.</summary>
    private static AuditQuery Filters(HttpRequest request, string[] allowed)
    {
        QueryParameters.RefuseUnknown(request, allowed);
        var kinds = new List<AuditKind>();
        foreach (var value in request.Query["kind"])
        {
            foreach (var name in (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!AuditKinds.TryParse(name, out var kind))
                {
                    throw QueryParameters.Invalid($"kind '{name}' is not a kind of audit record; use {string.Join(", ", AuditKinds.All)}.");
                }

                if (!kinds.Contains(kind))
                {
                    kinds.Add(kind);
                }
            }
        }

        var from = Time(request, "from");
        var to = Time(request, "to");
        if (from is { } f && to is { } t && f >= t)
        {
            throw QueryParameters.Invalid("from must be before to.");
        }

        return new AuditQuery
        {
            Tenant = QueryParameters.Single(request, "tenant") is { } tenant ? Tenant(tenant) : null,
            AgentId = QueryParameters.Single(request, "agent") is { } agent ? MeshKey.TryParse(agent, out _, out _) ? agent : throw ApiProblem.InvalidId("agent", agent) : null,
            Stream = QueryParameters.Single(request, "stream") is { } stream ? Stream(stream) : null,
            RequestId = QueryParameters.Single(request, "requestId") is { } requestId
                ? requestId.Length <= RequestLimits.MaxRequestIdLength ? requestId : throw QueryParameters.Invalid($"requestId is longer than {RequestLimits.MaxRequestIdLength} characters.")
                : null,
            From = from,
            To = to,
            Kinds = kinds,
            Effect = QueryParameters.Single(request, "effect") is { } effect
                ? Effects.Contains(effect) ? effect : throw QueryParameters.Invalid($"effect '{effect}' must be allow, deny or require_approval.")
                : null,
            Reason = QueryParameters.Single(request, "reason") is { } reason
                ? ReasonCodes.TryParse(reason, out _) ? reason : throw QueryParameters.Invalid($"reason '{reason}' is not a reason code (see docs/API.md, e.g. policy, default, credential_revoked).")
                : null,
        };
    }

    private static long? After(HttpRequest request) => QueryParameters.Single(request, "after") is { } text
        ? long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var after) ? after : throw QueryParameters.Invalid($"after '{text}' must be a cursor: a record's cursor, or 0 for the beginning.")
        : null;

    private static DateTimeOffset? Time(HttpRequest request, string name)
    {
        if (QueryParameters.Single(request, name) is not { } text)
        {
            return null;
        }

        if (!IsoTime().IsMatch(text) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            throw QueryParameters.Invalid($"{name} '{text}' is not an ISO-8601 time such as 2025-06-01T12:00:00Z (in a URL, write '+' as %2B).");
        }

        return time;
    }

    private static string Tenant(string tenant) =>
        tenant == AuditText.SystemStream || MeshKey.IsValidTenant(tenant) ? tenant : throw ApiProblem.BadRequest("invalid_id", $"'{tenant}' is not a valid tenant id (or {AuditText.SystemStream}).");

    // A stream is an agent id, a tenant id, or the fleet-wide stream.
    private static string Stream(string stream) =>
        stream == AuditText.SystemStream || MeshKey.IsValidTenant(stream) || MeshKey.TryParse(stream, out _, out _)
            ? stream
            : throw ApiProblem.BadRequest("invalid_id", $"'{stream}' is not an audit stream: an agent id (tenant/name), a tenant id, or {AuditText.SystemStream}.");

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,7})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTime();

    /// <summary>Writes JSON Lines straight into the response, one record per line, flushed by the caller per batch.</summary>
    private sealed class NdJsonOutput
    {
        private static readonly JsonWriterOptions WriterOptions = new() { Encoder = ApiJson.Options.Encoder, SkipValidation = true };
        private readonly HttpResponse _response;
        private readonly Utf8JsonWriter _json;

        private NdJsonOutput(HttpResponse response)
        {
            _response = response;
            _json = new Utf8JsonWriter(response.BodyWriter, WriterOptions);
        }

        /// <summary>Sends the headers at once, so a client knows its tail is live before the first record.</summary>
        public static async Task<NdJsonOutput> StartAsync(HttpResponse response, CancellationToken cancellationToken)
        {
            response.ContentType = NdJson + "; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.StartAsync(cancellationToken);
            await response.BodyWriter.FlushAsync(cancellationToken);
            return new NdJsonOutput(response);
        }

        public void Write(AuditRecordView record)
        {
            JsonSerializer.Serialize(_json, record, ApiJson.Options);
            _json.Flush();
            _json.Reset();
            _response.BodyWriter.Write("\n"u8);
        }

        /// <summary>The last line of a stream the mesh closes on purpose: <c>{"end": code, "detail": ...}</c>, never a record.</summary>
        public void WriteEnd(TailEnd end)
        {
            JsonSerializer.Serialize(_json, end, ApiJson.Options);
            _json.Flush();
            _json.Reset();
            _response.BodyWriter.Write("\n"u8);
        }

        public async Task FlushAsync(CancellationToken cancellationToken) => await _response.BodyWriter.FlushAsync(cancellationToken);
    }
}

/// <summary>
/// The last line of an audit tail the mesh closes on purpose. It has no <c>id</c> or <c>kind</c>, so it is never read
/// as a record: <c>end</c> says why (<c>token_revoked</c>: the API token was revoked, or no longer authenticates, while
/// the tail was open).
/// </summary>
internal sealed record TailEnd(string End, string Detail)
{
    public static TailEnd TokenRevoked { get; } = new("token_revoked", "The API token this tail was opened with was revoked or no longer authenticates; the tail is closed.");
}

/// <summary>A page of records; <c>next</c> is the <c>after</c> cursor of the next page, null on the last one.</summary>
internal sealed record AuditPage(
    IReadOnlyList<AuditRecordView> Records,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] long? Next);

/// <summary>
/// One audit record as the API shows it: every field of the hashed body, plus where it is stored (<c>cursor</c>) and
/// its hash. <c>problem</c> is set, and the body fields missing, when the stored body cannot be read (run verify).
/// </summary>
internal sealed record AuditRecordView
{
    public required string Id { get; init; }
    public required long Cursor { get; init; }
    public required string Stream { get; init; }
    public required long Sequence { get; init; }
    public required DateTimeOffset Time { get; init; }
    public required string Kind { get; init; }
    public required string Tenant { get; init; }
    public string? Actor { get; init; }
    public string? AgentId { get; init; }
    public string? RequestId { get; init; }
    public string? DecisionId { get; init; }
    public string? ApprovalId { get; init; }
    public string? Effect { get; init; }
    public string? Reason { get; init; }
    public string? RuleId { get; init; }
    public long? PolicyVersion { get; init; }
    public string? CredentialId { get; init; }
    public long? CredentialVersion { get; init; }
    public string? Message { get; init; }
    public AuditRequestView? Request { get; init; }
    public IReadOnlyDictionary<string, string>? Detail { get; init; }
    public string? PreviousHash { get; init; }
    public required string Hash { get; init; }
    public string? Problem { get; init; }

    internal static AuditRecordView From(AuditRow row)
    {
        AuditRecord record;
        try
        {
            record = AuditCodec.Decode(row.Body);
        }
        catch (AuditFormatException ex)
        {
            return new AuditRecordView
            {
                Id = row.RecordId,
                Cursor = row.Id,
                Stream = row.Stream,
                Sequence = row.Sequence,
                Time = row.Time,
                Kind = row.Kind.ToWire(),
                Tenant = row.Tenant,
                Hash = row.HashHex,
                Problem = $"The stored body cannot be read ({ex.Message}); run the audit verification.",
            };
        }

        return new AuditRecordView
        {
            Id = record.Id,
            Cursor = row.Id,
            Stream = record.Stream,
            Sequence = record.Sequence,
            Time = record.Time,
            Kind = record.Kind.ToWire(),
            Tenant = record.Tenant,
            Actor = record.Actor,
            AgentId = record.AgentId,
            RequestId = record.RequestId,
            DecisionId = record.DecisionId,
            ApprovalId = record.ApprovalId,
            Effect = record.Effect,
            Reason = record.Reason,
            RuleId = record.RuleId,
            PolicyVersion = record.PolicyVersion,
            CredentialId = record.CredentialId,
            CredentialVersion = record.CredentialVersion,
            Message = record.Message,
            Request = record.Request is { } request ? AuditRequestView.From(request) : null,
            Detail = record.Detail,
            PreviousHash = record.PreviousHash,
            Hash = row.HashHex,
        };
    }
}

/// <summary>A decision's request as recorded: values of secret attributes and evidence are <c>sha256:…</c>.</summary>
internal sealed record AuditRequestView(
    string Tool,
    string Operation,
    string? Target,
    string? Workflow,
    string? SessionId,
    ImmutableArray<string> DataLabels,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyDictionary<string, string> Evidence,
    string? ArgumentsDigest,
    string? Arguments)
{
    internal static AuditRequestView From(AuditedRequest r) => new(
        r.Tool, r.Operation, r.Target, r.Workflow, r.SessionId, r.DataLabels.IsDefault ? [] : r.DataLabels, r.Attributes, r.Evidence, r.ArgumentsDigest, r.Arguments);
}

/// <summary>The result of a verification.</summary>
internal sealed record AuditVerificationView(bool Ok, long Records, int Streams, int Checkpoints, long Unconfirmed, IReadOnlyList<AuditProblemView> Problems)
{
    internal static AuditVerificationView From(AuditVerification v) => new(
        v.Ok, v.Records, v.Streams, v.Checkpoints, v.Unconfirmed, [.. v.Problems.Select(p => new AuditProblemView(p.Kind, p.Stream, p.Sequence, p.RecordId, p.Message))]);
}

/// <summary>One problem a verification found.</summary>
internal sealed record AuditProblemView(string Kind, string? Stream, long? Sequence, string? RecordId, string Message);

/// <summary>A checkpoint signed on demand, or <c>signed: false</c> when nothing was written since the last one.</summary>
internal sealed record CheckpointView(bool Signed, DateTimeOffset? Time, string? KeyId, string? Writer, int? Streams);

/// <summary>The checkpoint signing key's public half.</summary>
internal sealed record SigningKeyView(string KeyId, string PublicKeyPem);
