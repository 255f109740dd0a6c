using System.Diagnostics.CodeAnalysis;
using Mesh.Contracts.Keys;

namespace Mesh.Contracts.Approvals;

/// <summary>
/// One approver group an API token holds, and the tenants it holds it in: <c>acme/finance</c> (the group
/// <c>finance</c> in tenant <c>acme</c> only), <c>*/finance</c> (in every tenant), or a bare <c>finance</c>, which tokens
/// created before groups were scoped hold and which reads as <c>*/finance</c>.
/// </summary>
/// <remarks>
/// A grant for every tenant never lets its holder vote for a group that the approval's tenant declares with members
/// in its policy: there only a grant scoped to that tenant counts, and only for a declared member.
/// </remarks>
/// <param name="Tenant">The tenant the grant applies to; null for every tenant.</param>
/// <param name="Group">The group's name.</param>
public sealed record ApproverGroupGrant(string? Tenant, string Group)
{
    /// <summary>What stands for "every tenant" in place of a tenant id.</summary>
    public const string EveryTenant = "*";

    /// <summary>True when the grant applies in <paramref name="tenant"/> only (not through "every tenant").</summary>
    public bool IsScopedTo(string tenant) => string.Equals(Tenant, tenant, StringComparison.Ordinal);

    /// <summary>True when the grant applies in <paramref name="tenant"/>, scoped or for every tenant.</summary>
    public bool AppliesIn(string tenant) => Tenant is null || IsScopedTo(tenant);

    /// <summary>Reads a grant; false for anything that is not a valid group, optionally after a tenant id or <c>*</c> and a '/'.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out ApproverGroupGrant? grant)
    {
        grant = null;
        if (text is null)
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            grant = MeshKey.IsValidName(text) ? new ApproverGroupGrant(null, text) : null;
            return grant is not null;
        }

        var scope = text[..slash];
        var group = text[(slash + 1)..];
        if (!MeshKey.IsValidName(group) || (scope != EveryTenant && !MeshKey.IsValidTenant(scope)))
        {
            return false;
        }

        grant = new ApproverGroupGrant(scope == EveryTenant ? null : scope, group);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Tenant ?? EveryTenant}/{Group}";
}
