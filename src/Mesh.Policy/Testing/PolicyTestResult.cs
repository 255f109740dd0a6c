using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Testing;

/// <summary>The result of one case.</summary>
/// <param name="Case">The case.</param>
/// <param name="Passed">Whether the decision was the expected one.</param>
/// <param name="Effect">The actual effect.</param>
/// <param name="Reason">The actual reason.</param>
/// <param name="Rule">The actual deciding rule.</param>
public sealed record PolicyTestResult(PolicyTestCase Case, bool Passed, string Effect, string Reason, string? Rule);
