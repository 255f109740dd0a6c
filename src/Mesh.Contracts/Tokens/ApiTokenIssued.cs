namespace Mesh.Contracts.Tokens;

/// <summary>A newly created API token: the only time the full token is shown.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApiTokenIssued")]
public sealed record ApiTokenIssued
{
    /// <summary>The token as stored.</summary>
    [Id(0)] public required ApiTokenInfo Info { get; init; }

    /// <summary>The bearer token (<c>mesh_ot_&lt;id&gt;.&lt;secret&gt;</c>). Mesh keeps only a hash of the secret.</summary>
    [Id(1)] public required string Token { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"ApiTokenIssued {{ Id = {Info.Id}, Name = {Info.Name}, Token = <redacted> }}";
}
