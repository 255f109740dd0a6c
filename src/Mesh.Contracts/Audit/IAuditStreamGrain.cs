namespace Mesh.Contracts.Audit;

/// <summary>
/// The owner of one tenant's audit stream (key: the tenant id, or <c>_mesh</c> for fleet-wide actions). One owner per
/// stream keeps the chain linear: it numbers each record and links it to the one before. Called by grains only.
/// </summary>
public interface IAuditStreamGrain : IGrainWithStringKey
{
    /// <summary>Appends a record and returns once it is durable (or queued, in asynchronous audit mode).</summary>
    Task<AuditReceipt> Append(AuditEntry entry);
}
