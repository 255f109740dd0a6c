using Mesh.Contracts.Audit;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Keys;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Grains.Audit;

/// <summary>
/// Owns one tenant's audit stream (approvals, operator actions, policy changes) or the fleet-wide <c>_mesh</c> stream.
/// Not reentrant: records are numbered in the order they arrive. These are rare events, so one grain per tenant is
/// no bottleneck; decisions never come here (they go to their agent's own stream).
/// </summary>
internal sealed partial class AuditStreamGrain(AuditWriter writer, MeshClock clock, ILogger<AuditStreamGrain> logger) : Grain, IAuditStreamGrain
{
    private AuditChain? _chain;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetPrimaryKeyString();
        if (stream != AuditText.SystemStream && !MeshKey.IsValidTenant(stream))
        {
            throw new MeshException(MeshErrorCode.InvalidArgument, $"'{stream}' is not a tenant id, so it has no audit stream.");
        }

        _chain = new AuditChain(stream, writer);
        return Task.CompletedTask;
    }

    public async Task<AuditReceipt> Append(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var chain = _chain!;
        if (!chain.Enabled)
        {
            return new AuditReceipt { RecordId = string.Empty, Hash = string.Empty };
        }

        try
        {
            return await chain.AppendAsync((sequence, previous) => AuditRecords.Entry(chain.Stream, entry, clock.UtcNow, sequence, previous));
        }
        catch (AuditUnavailableException ex)
        {
            LogErrorNotRecorded(logger, ex, entry.Kind.ToWire(), chain.Stream);
            throw new MeshException(MeshErrorCode.Unavailable, $"The change was made but its audit record could not be written ({ex.Message}); check the audit store.");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A {Kind} record for audit stream {Stream} could not be written")]
    private static partial void LogErrorNotRecorded(ILogger logger, Exception exception, string kind, string stream);
}
