namespace Mesh.Contracts.Audit;

/// <summary>
/// Marks an operator method whose successful calls are recorded in the tenant's audit stream (who, what, on which
/// id, the reason given, and the fleet receipt). Reads are not marked; approvals record their own events.
/// </summary>
/// <param name="action">The action's name in the record, e.g. <c>credential.revoke</c>.</param>
/// <param name="kind">The record's kind: an operator action or a policy change.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AuditedActionAttribute(string action, AuditKind kind = AuditKind.OperatorAction) : Attribute
{
    /// <summary>The action's name.</summary>
    public string Action { get; } = action;

    /// <summary>The record's kind.</summary>
    public AuditKind Kind { get; } = kind;
}
