using System.Collections;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;

namespace Mesh.Cli.Output;

/// <summary>
/// Sends audit records to an OpenTelemetry collector as log records, through the OpenTelemetry SDK's OTLP log
/// exporter: the body is the record's message, the attributes are <c>mesh.audit.*</c>, the timestamp is the record's
/// time. Batches are sent one at a time and every batch's result is counted, so the caller knows whether the collector
/// accepted every record (the SDK itself only drops what fails).
/// </summary>
internal sealed class OtlpLogSender : IDisposable
{
    private const int BatchSize = 512;

    private readonly OtlpFailureCause _cause = new();
    private readonly CountingExporter _exporter;
    private readonly BatchLogRecordExportProcessor _processor;
    private readonly RecordTime _time = new();
    private readonly ILoggerFactory _factory;
    private readonly ILogger _logger;
    private readonly int _timeoutMilliseconds;
    private int _unflushed;
    private bool _flushFailed;

    public OtlpLogSender(Uri endpoint, OtlpExportProtocol protocol, TimeSpan timeout)
    {
        _timeoutMilliseconds = (int)Math.Clamp(timeout.TotalMilliseconds, 1_000, int.MaxValue);
        var options = new OtlpExporterOptions { Endpoint = endpoint, Protocol = protocol, TimeoutMilliseconds = _timeoutMilliseconds };
        _exporter = new CountingExporter(new OtlpLogExporter(options));

        // The queue holds more than is ever sent between two flushes: nothing is dropped for want of room.
        _processor = new BatchLogRecordExportProcessor(_exporter, maxQueueSize: BatchSize * 4, scheduledDelayMilliseconds: 1_000, exporterTimeoutMilliseconds: _timeoutMilliseconds, maxExportBatchSize: BatchSize);
        _factory = LoggerFactory.Create(logging => logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.AddProcessor(_time);
            o.AddProcessor(_processor);
        }));
        _logger = _factory.CreateLogger("Mesh.Audit");
    }

    /// <summary>Records the collector accepted.</summary>
    public long Accepted => _exporter.Accepted;

    /// <summary>Records the collector refused or that could not be sent.</summary>
    public long Failed => _exporter.Failed;

    /// <summary>Why the exporter failed, as it first said (for example "Connection refused (127.0.0.1:4318)"), or null.</summary>
    public string? FailureCause => _cause.First;

    /// <summary>Queues one record (a JSON object of the audit API); sends a batch when one is full.</summary>
    public void Send(JsonElement record)
    {
        var state = new AuditLogState(record);
        _time.Next = state.Time;
        _logger.Log(LogLevel.Information, default, state, null, static (s, _) => s.Message);
        if (++_unflushed >= BatchSize)
        {
            Flush();
        }
    }

    /// <summary>Sends everything queued and waits for the collector's answers; true when every record so far was accepted.</summary>
    public bool Complete()
    {
        Flush();
        return !_flushFailed && _exporter.Failed == 0;
    }

    public void Dispose()
    {
        _factory.Dispose();
        _cause.Dispose();
    }

    private void Flush()
    {
        _unflushed = 0;
        if (!_processor.ForceFlush(_timeoutMilliseconds * 2))
        {
            _flushFailed = true;
        }
    }

    /// <summary>Gives each log record its audit record's time (the SDK stamps the time of logging).</summary>
    private sealed class RecordTime : BaseProcessor<LogRecord>
    {
        public DateTime Next { get; set; }

        public override void OnEnd(LogRecord data) => data.Timestamp = Next;
    }

    /// <summary>Passes batches to the OTLP exporter and counts what it accepted and what failed.</summary>
    private sealed class CountingExporter(BaseExporter<LogRecord> inner) : BaseExporter<LogRecord>
    {
        private long _accepted;
        private long _failed;

        public long Accepted => Interlocked.Read(ref _accepted);

        public long Failed => Interlocked.Read(ref _failed);

        public override ExportResult Export(in Batch<LogRecord> batch)
        {
            ExportResult result;
            try
            {
                result = inner.Export(batch);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // The SDK exporter reports its own failures as results; anything thrown is a failure too.
                result = ExportResult.Failure;
            }

            if (result == ExportResult.Success)
            {
                Interlocked.Add(ref _accepted, batch.Count);
            }
            else
            {
                Interlocked.Add(ref _failed, batch.Count);
            }

            return result;
        }

        protected override bool OnShutdown(int timeoutMilliseconds) => inner.Shutdown(timeoutMilliseconds);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }

    /// <summary>The attributes of one record: <c>mesh.audit.*</c>, absent values left out.</summary>
    private sealed class AuditLogState : IReadOnlyList<KeyValuePair<string, object?>>
    {
        private readonly List<KeyValuePair<string, object?>> _attributes = new(14);

        public AuditLogState(JsonElement record)
        {
            Text(record, "id", "mesh.audit.id");
            Text(record, "stream", "mesh.audit.stream");
            Number(record, "sequence", "mesh.audit.sequence");
            Text(record, "kind", "mesh.audit.kind");
            Text(record, "tenant", "mesh.audit.tenant");
            Text(record, "actor", "mesh.audit.actor");
            Text(record, "agentId", "mesh.audit.agent");
            Text(record, "requestId", "mesh.audit.request_id");
            Text(record, "effect", "mesh.audit.effect");
            Text(record, "reason", "mesh.audit.reason");
            Text(record, "ruleId", "mesh.audit.rule");
            Number(record, "policyVersion", "mesh.audit.policy_version");
            Text(record, "hash", "mesh.audit.hash");
            Text(record, "previousHash", "mesh.audit.previous_hash");
            Message = String(record, "message") ?? String(record, "kind") ?? "audit record";
            Time = String(record, "time") is { } time && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                ? parsed.UtcDateTime
                : TimeProvider.System.GetUtcNow().UtcDateTime;
        }

        public string Message { get; }

        public DateTime Time { get; }

        public int Count => _attributes.Count;

        public KeyValuePair<string, object?> this[int index] => _attributes[index];

        public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _attributes.GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

        private static string? String(JsonElement record, string name) =>
            record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

        private void Text(JsonElement record, string name, string attribute)
        {
            if (String(record, name) is { } value)
            {
                _attributes.Add(new(attribute, value));
            }
        }

        private void Number(JsonElement record, string name, string attribute)
        {
            if (record.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number))
            {
                _attributes.Add(new(attribute, number));
            }
        }
    }
}
