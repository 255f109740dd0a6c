namespace Mesh.Policy.Model;

/// <summary>A rule's effect, ordered by strength: deny overrides require-approval overrides allow.</summary>
public enum RuleEffect
{
    /// <summary>No rule matched.</summary>
    None = 0,
    /// <summary>Allow.</summary>
    Allow = 1,
    /// <summary>Require human approval.</summary>
    RequireApproval = 2,
    /// <summary>Deny.</summary>
    Deny = 3,
}
