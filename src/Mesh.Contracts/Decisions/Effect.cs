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

/// <summary>Wire names of <see cref="Effect"/>, as in the HTTP API: <c>allow</c>, <c>deny</c>, <c>require_approval</c>.</summary>
public static class Effects
{
    /// <summary>The wire name.</summary>
    public static string ToWire(this Effect effect) => effect switch
    {
        Effect.Allow => "allow",
        Effect.RequireApproval => "require_approval",
        _ => "deny",
    };
}
