using System.Security.Cryptography;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Hosting;

namespace Mesh.Grains.Tokens;

/// <summary>One operator API token.</summary>
internal sealed class ApiTokenGrain(
    [PersistentState("api-token", MeshStorage.ProviderName)] IPersistentState<ApiTokenState> state,
    MeshClock clock) : Grain, IApiTokenGrain
{
    public async Task<ApiTokenInfo> Create(ApiTokenSpec spec, byte[] secretHash)
    {
        if (state.State.Info is not null)
        {
            throw new MeshException(MeshErrorCode.AlreadyExists, "A token with this id already exists.");
        }

        var id = this.GetPrimaryKeyString()["sys/token-".Length..];
        state.State.Info = new ApiTokenInfo
        {
            Id = id,
            Name = spec.Name,
            Roles = spec.Roles,
            Groups = spec.Groups,
            CreatedAt = clock.UtcNow,
            CreatedBy = OperatorActor.Current,
        };
        state.State.SecretHash = secretHash;
        await state.WriteOrDiscardAsync(GrainContext);
        return state.State.Info;
    }

    public Task<ApiPrincipal?> Authenticate(string secret)
    {
        if (state.State is not { Info: { Revoked: false } info, SecretHash: { } hash } || string.IsNullOrEmpty(secret))
        {
            return Task.FromResult<ApiPrincipal?>(null);
        }

        var presented = ApiTokenFormat.Hash(secret);
        return Task.FromResult(CryptographicOperations.FixedTimeEquals(presented, hash)
            ? new ApiPrincipal { TokenId = info.Id, Name = info.Name, Roles = info.Roles, Groups = info.Groups }
            : null);
    }

    public async Task<ApiTokenInfo> Revoke()
    {
        var info = state.State.Info ?? throw new MeshException(MeshErrorCode.NotFound, "No such API token.");
        if (!info.Revoked)
        {
            state.State.Info = info with { Revoked = true, RevokedAt = clock.UtcNow };
            await state.WriteOrDiscardAsync(GrainContext);
        }

        return state.State.Info;
    }

    public Task<ApiTokenInfo?> GetInfo() => Task.FromResult(state.State.Info);
}
