using Mesh.Policy.Compilation;
using Mesh.Policy.Model;

namespace Mesh.Policy.Evaluation;

/// <summary>The strongest effect among the rules that applied, and the rule that carried it.</summary>
/// <param name="Effect">None when no rule applied (the caller denies by default).</param>
/// <param name="Rule">The deciding rule.</param>
/// <param name="EvidenceRule">
/// When nothing applied: the first allow rule that would have applied had the request carried its required evidence.
/// The caller denies with <c>evidence_missing</c> and that rule's missing keys.
/// </param>
public readonly record struct PolicyVerdict(RuleEffect Effect, CompiledRule? Rule, CompiledRule? EvidenceRule = null);
