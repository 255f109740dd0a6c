namespace Mesh.Contracts.Agents;

/// <summary>Lifecycle of an agent. Never renumber.</summary>
[GenerateSerializer]
public enum AgentStatus
{
    /// <summary>No agent is registered under this id.</summary>
    Unregistered = 0,
    /// <summary>Decisions are made normally.</summary>
    Active = 1,
    /// <summary>Every decision is denied until an operator resumes the agent.</summary>
    Paused = 2,
    /// <summary>Every decision is denied; like paused, but marks an agent under investigation.</summary>
    Quarantined = 3,
}
