using System.Collections.Immutable;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Hosting;

namespace Mesh.Grains.Tokens;

/// <summary>
/// Creates, lists and revokes API tokens; bootstraps the first admin token of an empty cluster (generated, or preset by
/// the operator and handed over as id and secret hash only).
/// </summary>
internal sealed class ApiTokenRegistryGrain(
    [PersistentState("api-token-registry", MeshStorage.ProviderName)] IPersistentState<ApiTokenRegistryState> state) : Grain, IApiTokenRegistryGrain
{
    private const int MaxTokens = 10_000;

    public async Task<ApiTokenIssued> Create(ApiTokenSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        MeshException.ThrowIfInvalid(!string.IsNullOrWhiteSpace(spec.Name) && spec.Name.Length <= 128 && !spec.Name.Any(char.IsControl), "A token needs a name of 1-128 characters.");
        MeshException.ThrowIfInvalid(!spec.Roles.IsDefaultOrEmpty && spec.Roles.All(Enum.IsDefined), "A token needs at least one role: admin, operator, approver or auditor.");
        MeshException.ThrowIfInvalid(spec.Groups.IsDefault || (spec.Groups.Length <= 64 && spec.Groups.All(MeshKey.IsValidName)), "Approver groups must be at most 64 names of letters, digits, '.', '_' or '-'.");
        MeshException.ThrowIfInvalid(state.State.TokenIds.Count < MaxTokens, $"There are already {MaxTokens} tokens; revoke some first.");

        var (id, token, hash) = ApiTokenFormat.Create();
        var normalized = spec with { Roles = [.. spec.Roles.Distinct()], Groups = spec.Groups.IsDefault ? [] : [.. spec.Groups.Distinct(StringComparer.Ordinal)] };
        var info = await StoreAsync(id, normalized, hash);
        return new ApiTokenIssued { Info = info, Token = token };
    }

    public async Task<ImmutableArray<ApiTokenInfo>> List()
    {
        var infos = await Task.WhenAll(state.State.TokenIds.Select(id => GrainFactory.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(id)).GetInfo()));
        return [.. infos.OfType<ApiTokenInfo>()];
    }

    public Task<ApiTokenInfo> Revoke(string tokenId)
    {
        if (tokenId is null || !state.State.TokenIds.Contains(tokenId))
        {
            throw new MeshException(MeshErrorCode.NotFound, $"No API token '{tokenId}'.");
        }

        return GrainFactory.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(tokenId)).Revoke();
    }

    public async Task<ApiTokenIssued?> Bootstrap()
    {
        if (state.State.TokenIds.Count > 0)
        {
            return null;
        }

        return await Create(FirstAdmin);
    }

    public Task<bool> HasTokens() => Task.FromResult(state.State.TokenIds.Count > 0);

    public async Task<ApiTokenInfo?> BootstrapPreset(string tokenId, byte[] secretHash)
    {
        MeshException.ThrowIfInvalid(ApiTokenFormat.IsValidId(tokenId), "A token id is 12 lowercase hex digits.");
        MeshException.ThrowIfInvalid(secretHash is { Length: 32 }, "A secret hash is 32 bytes (SHA-256).");
        if (state.State.TokenIds.Count > 0)
        {
            return null;
        }

        return await StoreAsync(tokenId, FirstAdmin, secretHash);
    }

    private static ApiTokenSpec FirstAdmin => new() { Name = "admin", Roles = [ApiRole.Admin] };

    private async Task<ApiTokenInfo> StoreAsync(string id, ApiTokenSpec spec, byte[] hash)
    {
        // Index first: a listed id whose token was never written shows up as missing, never as a live token.
        state.State.TokenIds.Add(id);
        await state.WriteOrDiscardAsync(GrainContext);
        return await GrainFactory.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(id)).Create(spec, hash);
    }
}
