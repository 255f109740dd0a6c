namespace Mesh.Contracts.Tokens;

/// <summary>What an operator API token may do. Never renumber.</summary>
[GenerateSerializer]
public enum ApiRole
{
    /// <summary>Everything, including creating and revoking API tokens.</summary>
    Admin = 0,
    /// <summary>Agents, credentials, policies, pauses and the emergency stop; reads.</summary>
    Operator = 1,
    /// <summary>Votes on approvals (and reads them); nothing else.</summary>
    Approver = 2,
    /// <summary>Reads everything; changes nothing.</summary>
    Auditor = 3,
}
