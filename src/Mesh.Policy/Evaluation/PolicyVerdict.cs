using Mesh.Policy.Compilation;
using Mesh.Policy.Model;

namespace Mesh.Policy.Evaluation;

/// <summary>The strongest effect among the rules that matched, and the rule that carried it.</summary>
/// <param name="Effect">None when no rule matched (the caller denies by default).</param>
/// <param name="Rule">The deciding rule.</param>
public readonly record struct PolicyVerdict(RuleEffect Effect, CompiledRule? Rule);
