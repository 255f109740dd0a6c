using System.Collections.Immutable;
using Mesh.Policy.Compilation;
using Mesh.Policy.Destinations;
using Mesh.Policy.Model;

namespace Mesh.Policy.Evaluation;

/// <summary>The policy layer's answer: effect, reason and the rule behind it.</summary>
/// <param name="Effect">Allow, deny or require approval (never None).</param>
/// <param name="Reason">Why.</param>
/// <param name="Rule">The deciding rule (or, for evidence_missing, the rule that needs the evidence).</param>
/// <param name="MissingEvidence">For evidence_missing: the keys the request lacks.</param>
/// <param name="Blocked">For destination_blocked: the categories that were not opened.</param>
public readonly record struct PolicyOutcome(RuleEffect Effect, PolicyReason Reason, CompiledRule? Rule, ImmutableArray<string> MissingEvidence, DestinationCategory Blocked);
