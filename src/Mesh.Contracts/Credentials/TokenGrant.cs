namespace Mesh.Contracts.Credentials;

/// <summary>
/// The answer to <see cref="ICredentialGrain.LeaseTokens"/>: how many tokens of a per-credential limit a silo may spend
/// on its own, or, when none, how long until one is available.
/// </summary>
[GenerateSerializer, Immutable, Alias("mesh.TokenGrant")]
public sealed record TokenGrant
{
    /// <summary>Whole tokens taken from the credential's bucket for the caller (0 when the bucket is empty).</summary>
    [Id(0)] public int Granted { get; init; }

    /// <summary>When <see cref="Granted"/> is 0: how long until the bucket refills one token; otherwise zero.</summary>
    [Id(1)] public TimeSpan RetryAfter { get; init; }
}
