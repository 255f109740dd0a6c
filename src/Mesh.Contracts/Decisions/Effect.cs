namespace Mesh.Contracts.Decisions;

/// <summary>What the mesh answers to an action request.</summary>
/// <remarks><see cref="Deny"/> is the zero value on purpose: an uninitialised effect never allows.</remarks>
[GenerateSerializer]
public enum Effect
{
    /// <summary>The action must not happen. <see cref="Decision.Reason"/> says why.</summary>
    Deny = 0,

    /// <summary>The action may happen now.</summary>
    Allow = 1,

    /// <summary>A human must approve first; wait on <see cref="Decision.ApprovalId"/> and re-send the request with it.</summary>
    RequireApproval = 2,
}
