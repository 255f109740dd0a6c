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

    public static string RoleName(ApiRole role) => role.ToString().ToLowerInvariant();

    public static void Add(AuthorizationOptions options)
    {
        Require(options, Read, ApiRole.Admin, ApiRole.Operator, ApiRole.Auditor);
        Require(options, Operate, ApiRole.Admin, ApiRole.Operator);
        Require(options, ReadApprovals, ApiRole.Admin, ApiRole.Operator, ApiRole.Approver, ApiRole.Auditor);
        Require(options, Vote, ApiRole.Admin, ApiRole.Approver);
        Require(options, Admin, ApiRole.Admin);
        Require(options, Audit, ApiRole.Admin, ApiRole.Auditor);
    }

    private static void Require(AuthorizationOptions options, string name, params ApiRole[] roles) =>
        options.AddPolicy(name, policy => policy
            .AddAuthenticationSchemes(ApiTokenAuthenticationHandler.SchemeName)
            .RequireAuthenticatedUser()
            .RequireRole(roles.Select(RoleName)));
}
