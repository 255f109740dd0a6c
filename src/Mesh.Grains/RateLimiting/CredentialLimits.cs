using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;

namespace Mesh.Grains.RateLimiting;

/// <summary>
/// This silo's side of the per-credential rate limits: decisions on this silo take tokens here.
/// </summary>
internal sealed class CredentialLimits(IGrainFactory grains)
{
    /// <summary>Takes one token for <paramref name="ruleId"/>'s limit on the credential; null when taken, else the wait.</summary>
    public ValueTask<TimeSpan?> TryAcquireAsync(string credentialId, string ruleId, RateLimit limit, DateTimeOffset now) =>
        grains.GetGrain<ICredentialGrain>(credentialId).TryAcquire(ruleId, limit);
}
