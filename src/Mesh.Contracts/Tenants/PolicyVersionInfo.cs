namespace Mesh.Contracts.Tenants;

/// <summary>One published policy version.</summary>
[GenerateSerializer, Immutable, Alias("mesh.PolicyVersionInfo")]
public sealed record PolicyVersionInfo
{
    /// <summary>The version.</summary>
    [Id(0)] public required long Version { get; init; }

    /// <summary>When it was published.</summary>
    [Id(1)] public DateTimeOffset PublishedAt { get; init; }

    /// <summary>Who published it.</summary>
    [Id(2)] public string? PublishedBy { get; init; }

    /// <summary>How many rules it has.</summary>
    [Id(3)] public int Rules { get; init; }

    /// <summary>True for the active version.</summary>
    [Id(4)] public bool Active { get; init; }

    /// <summary>True for the version running in shadow.</summary>
    [Id(5)] public bool Shadow { get; init; }
}
