using System.Collections.Immutable;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Policy.Compilation;

namespace Mesh.Grains.Policies;

/// <summary>
/// A compiled tenant policy plus the wire objects its rules hand to decisions (approval specs, rate limits), built
/// once per version so a decision never allocates them.
/// </summary>
internal sealed class TenantPolicy
{
    private readonly ApprovalPolicy?[] _approvals;
    private readonly RateLimit?[] _perAgent;
    private readonly RateLimit?[] _perAgentTool;
    private readonly RateLimit?[] _perCredential;
    private readonly string[] _allowMessages;

    public TenantPolicy(CompiledPolicy compiled)
    {
        Compiled = compiled;
        var count = compiled.Rules.Count == 0 ? 0 : compiled.Rules.Max(r => r.Index) + 1;
        _approvals = new ApprovalPolicy?[count];
        _perAgent = new RateLimit?[count];
        _perAgentTool = new RateLimit?[count];
        _perCredential = new RateLimit?[count];
        _allowMessages = new string[count];
        foreach (var rule in compiled.Rules)
        {
            if (rule.Approval is { } approval)
            {
                _approvals[rule.Index] = new ApprovalPolicy
                {
                    Groups = [.. approval.Groups],
                    Quorum = approval.Quorum,
                    ExpiresAfter = approval.ExpiresAfter,
                    EscalationGroups = [.. approval.EscalationGroups],
                    EscalateAfter = approval.EscalateAfter,
                    SeparationOfDuties = approval.SeparationOfDuties,
                    // The default (ordinal) comparer, as state read back from storage has it.
                    Members = approval.Members is null
                        ? ImmutableDictionary<string, ImmutableArray<string>>.Empty
                        : approval.Members.ToImmutableDictionary(m => m.Key, m => m.Value.ToImmutableArray()),
                };
            }

            _perAgent[rule.Index] = ToRateLimit(rule.Limits.PerAgent);
            _perAgentTool[rule.Index] = ToRateLimit(rule.Limits.PerAgentTool);
            _perCredential[rule.Index] = ToRateLimit(rule.Limits.PerCredential);
            _allowMessages[rule.Index] = $"Allowed by policy rule '{rule.Id}'.";
        }
    }

    /// <summary>A policy with no rules: everything is denied by default.</summary>
    public static TenantPolicy Empty { get; } = new(CompiledPolicy.Empty(0));

    public CompiledPolicy Compiled { get; }

    public long Version => Compiled.Version;

    public ApprovalPolicy? ApprovalFor(CompiledRule rule) => _approvals[rule.Index];

    public RateLimit? PerAgentLimit(CompiledRule rule) => _perAgent[rule.Index];

    /// <summary>The message of an allow by this rule, built once per version rather than per decision.</summary>
    public string AllowMessage(CompiledRule rule) => _allowMessages[rule.Index];

    public RateLimit? PerAgentToolLimit(CompiledRule rule) => _perAgentTool[rule.Index];

    public RateLimit? PerCredentialLimit(CompiledRule rule) => _perCredential[rule.Index];

    private static RateLimit? ToRateLimit(RuleRateLimit? limit) =>
        limit is null ? null : new RateLimit { Permits = limit.Permits, Per = limit.Per, Burst = limit.Burst };
}
