using Mesh.Contracts.Tokens;

namespace Mesh.Grains.Tokens;

/// <summary>Persisted state of one API token.</summary>
[GenerateSerializer, Alias("mesh.state.ApiToken")]
internal sealed class ApiTokenState
{
    [Id(0)] public ApiTokenInfo? Info { get; set; }

    /// <summary>SHA-256 of the secret part; the secret itself is never stored.</summary>
    [Id(1)] public byte[]? SecretHash { get; set; }
}

/// <summary>Persisted index of API token ids.</summary>
[GenerateSerializer, Alias("mesh.state.ApiTokenRegistry")]
internal sealed class ApiTokenRegistryState
{
    [Id(0)] public List<string> TokenIds { get; set; } = [];
}
