namespace Mesh.Policy.Compilation;

/// <summary>A rate limit a rule puts on what it allows.</summary>
/// <param name="Permits">Permits per period.</param>
/// <param name="Per">The period.</param>
/// <param name="Burst">Capacity (0: same as permits).</param>
public sealed record RuleRateLimit(int Permits, TimeSpan Per, int Burst);
