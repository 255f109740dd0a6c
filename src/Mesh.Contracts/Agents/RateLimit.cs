namespace Mesh.Contracts.Agents;

/// <summary>A token bucket: <see cref="Permits"/> per <see cref="Per"/>, holding at most <see cref="Burst"/>.</summary>
[GenerateSerializer, Immutable, Alias("mesh.RateLimit")]
public sealed record RateLimit
{
    /// <summary>How many actions are refilled per <see cref="Per"/>.</summary>
    [Id(0)] public required int Permits { get; init; }

    /// <summary>The refill period.</summary>
    [Id(1)] public required TimeSpan Per { get; init; }

    /// <summary>The bucket's capacity (defaults to <see cref="Permits"/> when 0).</summary>
    [Id(2)] public int Burst { get; init; }

    /// <summary>The capacity actually used.</summary>
    public int Capacity => Burst > 0 ? Burst : Permits;

    /// <summary>Returns an error message, or null when the limit is well-formed.</summary>
    public string? Validate()
    {
        if (Permits <= 0 || Permits > 1_000_000)
        {
            return "rate limit permits must be between 1 and 1000000";
        }

        if (Per <= TimeSpan.Zero || Per > TimeSpan.FromDays(1))
        {
            return "rate limit period must be positive and at most one day";
        }

        return Burst < 0 || Burst > 1_000_000 ? "rate limit burst must be between 0 and 1000000" : null;
    }
}
