namespace Mesh.Contracts.Approvals;

/// <summary>Whether an approver may vote on an approval now, and if not, why (the refusal a vote would get).</summary>
[GenerateSerializer, Immutable, Alias("mesh.VoterCheck")]
public sealed record VoterCheck
{
    /// <summary>True when a vote by this approver, in these groups, would be accepted now.</summary>
    [Id(0)] public required bool MayVote { get; init; }

    /// <summary>When <see cref="MayVote"/> is false: the message the vote would be refused with; else null.</summary>
    [Id(1)] public string? Reason { get; init; }
}
