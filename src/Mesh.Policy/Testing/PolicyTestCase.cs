using System.Globalization;
using Mesh.Policy.Evaluation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Testing;

/// <summary>One case of a policy test file: a request and the decision expected for it.</summary>
/// <param name="Name">What the case checks.</param>
/// <param name="Line">Line of the case in its file.</param>
/// <param name="Input">The request as the policy sees it.</param>
/// <param name="ExpectedEffect">allow, deny or require_approval.</param>
/// <param name="ExpectedReason">policy, default, evidence_missing or destination_blocked; null: any.</param>
/// <param name="ExpectedRule">The deciding rule; null: any.</param>
public sealed record PolicyTestCase(string Name, int Line, PolicyInput Input, string ExpectedEffect, string? ExpectedReason, string? ExpectedRule);
