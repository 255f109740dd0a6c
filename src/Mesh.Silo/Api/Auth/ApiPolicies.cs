using System.Collections.Immutable;
using System.Security.Claims;
using Mesh.Contracts.Tokens;
using Microsoft.AspNetCore.Authorization;

namespace Mesh.Silo.Api.Auth;

/// <summary>The authorization policies of the operator API, by what a call does.</summary>
internal static class ApiPolicies
{
    /// <summary>Read agents, credentials, tenants, the fleet.</summary>
    public const string Read = "read";
    /// <summary>Change agents, credentials, policies, pauses, the emergency stop.</summary>
    public const string Operate = "operate";
    /// <summary>Read approvals (approvers need to see what they vote on).</summary>
    public const string ReadApprovals = "read-approvals";
    /// <summary>Vote on approvals.</summary>
    public const string Vote = "vote";
    /// <summary>Manage API tokens.</summary>
    public const string Admin = "admin";
    /// <summary>Read, export and verify the audit trail; sign checkpoints.</summary>
    public const string Audit = "audit";
    /// <summary>Any valid API token, whatever its roles (who am I). Not a permission: never listed by <see cref="SatisfiedBy"/>.</summary>
    public const string Authenticated = "authenticated";

    /// <summary>
    /// Every permission policy and the roles that satisfy it: the one table both the authorization policies and the
    /// permissions a token is shown (<c>GET /v1/me</c>) are built from.
    /// </summary>
    public static ImmutableArray<(string Policy, ImmutableArray<ApiRole> Roles)> Table { get; } =
    [
        (Read, [ApiRole.Admin, ApiRole.Operator, ApiRole.Auditor]),
        (Operate, [ApiRole.Admin, ApiRole.Operator]),
        (ReadApprovals, [ApiRole.Admin, ApiRole.Operator, ApiRole.Approver, ApiRole.Auditor]),
        (Vote, [ApiRole.Admin, ApiRole.Approver]),
        (Admin, [ApiRole.Admin]),
        (Audit, [ApiRole.Admin, ApiRole.Auditor]),
    ];

    /// <summary>The role's name in claims, tokens and the API (<c>admin</c>, <c>operator</c>...).</summary>
    public static string RoleName(ApiRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Registers every policy of <see cref="Table"/>, and <see cref="Authenticated"/>.</summary>
    public static void Add(AuthorizationOptions options)
    {
        foreach (var (policy, roles) in Table)
        {
            options.AddPolicy(policy, p => ApiTokenUser(p).RequireRole(roles.Select(RoleName)));
        }

        options.AddPolicy(Authenticated, p => ApiTokenUser(p));
    }

    /// <summary>The policies of <see cref="Table"/> <paramref name="user"/> satisfies, in table order; the same test as the authorization policies.</summary>
    public static IEnumerable<string> SatisfiedBy(ClaimsPrincipal user) =>
        Table.Where(entry => IsSatisfied(user, entry.Roles)).Select(entry => entry.Policy);

    /// <summary>True when <paramref name="user"/> satisfies <paramref name="policy"/> (a policy of <see cref="Table"/>).</summary>
    public static bool Satisfies(ClaimsPrincipal user, string policy)
    {
        foreach (var (name, roles) in Table)
        {
            if (name == policy)
            {
                return IsSatisfied(user, roles);
            }
        }

        throw new ArgumentException($"'{policy}' is not a permission policy.", nameof(policy));
    }

    private static bool IsSatisfied(ClaimsPrincipal user, ImmutableArray<ApiRole> roles) => roles.Any(role => user.IsInRole(RoleName(role)));

    private static AuthorizationPolicyBuilder ApiTokenUser(AuthorizationPolicyBuilder policy) => policy
        .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
        .RequireAuthenticatedUser();
}
