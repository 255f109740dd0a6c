namespace Mesh.Policy.Compilation;

/// <summary>The rate limits of an allow rule, by what they count.</summary>
/// <param name="PerAgent">Per agent, across tools.</param>
/// <param name="PerAgentTool">Per agent and tool.</param>
/// <param name="PerCredential">Per credential, across every agent holding it.</param>
public sealed record RuleLimits(RuleRateLimit? PerAgent, RuleRateLimit? PerAgentTool, RuleRateLimit? PerCredential)
{
    /// <summary>No limits.</summary>
    public static readonly RuleLimits None = new(null, null, null);
}
