namespace Mesh.Policy.Evaluation;

/// <summary>Why the policy layer decided as it did.</summary>
public enum PolicyReason
{
    /// <summary>A rule decided.</summary>
    Policy,
    /// <summary>No rule allowed the action.</summary>
    Default,
    /// <summary>An allow rule applied but the request lacks evidence it requires.</summary>
    EvidenceMissing,
    /// <summary>The target is a blocked destination the deciding rule does not open.</summary>
    DestinationBlocked,
}
