using System.Collections.Immutable;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Hosting;
using Mesh.Policy.Identities;

namespace Mesh.Grains.Tokens;

/// <summary>
/// Creates, lists and revokes API tokens; bootstraps the first admin token of an empty cluster (generated, or preset by
/// the operator and handed over as id and secret hash only).
/// </summary>
internal sealed class ApiTokenRegistryGrain(
    [PersistentState("api-token-registry", MeshStorage.ProviderName)] IPersistentState<ApiTokenRegistryState> state) : Grain, IApiTokenRegistryGrain
{
    private const int MaxTokens = 10_000;
    private Dictionary<string, string>? _identities;

    public async Task<ApiTokenIssued> Create(ApiTokenSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        MeshException.ThrowIfInvalid(!string.IsNullOrWhiteSpace(spec.Name) && spec.Name.Length <= 128, "A token needs a name of 1-128 characters.");
        if (!ApproverIdentity.TryCanonicalize(spec.Name, out var identity, out var problem))
        {
            throw new MeshException(MeshErrorCode.InvalidArgument, $"A token's name is the identity its holder acts and votes as, and this one cannot be used: {problem}.");
        }

        MeshException.ThrowIfInvalid(!spec.Roles.IsDefaultOrEmpty && spec.Roles.All(Enum.IsDefined), "A token needs at least one role: admin, operator, approver or auditor.");
        MeshException.ThrowIfInvalid(
            spec.Groups.IsDefault || (spec.Groups.Length <= 64 && spec.Groups.All(g => ApproverGroupGrant.TryParse(g, out _))),
            "Approver groups must be at most 64 of tenant/group (the group in that tenant only), */group or a bare group (in every tenant); a group is letters, digits, '.', '_' or '-'.");
        MeshException.ThrowIfInvalid(state.State.TokenIds.Count < MaxTokens, $"There are already {MaxTokens} tokens; revoke some first.");

        var identities = await LiveIdentitiesAsync();
        if (identities.TryGetValue(identity, out var holder))
        {
            throw new MeshException(MeshErrorCode.AlreadyExists, $"The live token '{holder}' already belongs to '{identity}' (names are compared trimmed, NFKC-normalised and lower-cased); revoke it first or choose another name.");
        }

        var (id, token, hash) = ApiTokenFormat.Create();
        var normalized = spec with
        {
            Name = spec.Name.Trim(),
            Roles = [.. spec.Roles.Distinct()],
            Groups = spec.Groups.IsDefault ? [] : [.. spec.Groups.Distinct(StringComparer.Ordinal)],
        };
        var info = await StoreAsync(id, normalized, hash);
        identities[identity] = id;
        return new ApiTokenIssued { Info = info, Token = token };
    }

    // The canonical identity of every live token, read from the tokens themselves on first use after activation (so
    // tokens stored before identities existed are covered, canonicalised on read) and kept current by Create and
    // Revoke. Stored names with no canonical reading hold no identity: they cannot vote either.
    private async Task<Dictionary<string, string>> LiveIdentitiesAsync()
    {
        if (_identities is null)
        {
            var identities = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var info in await List())
            {
                if (!info.Revoked && ApproverIdentity.Canonicalize(info.Name) is { } identity)
                {
                    identities.TryAdd(identity, info.Id);
                }
            }

            _identities = identities;
        }

        return _identities;
    }

    public async Task<ImmutableArray<ApiTokenInfo>> List()
    {
        var infos = await Task.WhenAll(state.State.TokenIds.Select(id => GrainFactory.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(id)).GetInfo()));
        return [.. infos.OfType<ApiTokenInfo>()];
    }

    public async Task<ApiTokenInfo> Revoke(string tokenId)
    {
        if (tokenId is null || !state.State.TokenIds.Contains(tokenId))
        {
            throw new MeshException(MeshErrorCode.NotFound, $"No API token '{tokenId}'.");
        }

        // Re-read on the next Create: stored state may hold two live spellings of one identity, and this frees only one.
        _identities = null;
        return await GrainFactory.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(tokenId)).Revoke();
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
