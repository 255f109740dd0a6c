using System.Globalization;
using Mesh.Policy.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Compilation;

/// <summary>The result of compiling: a policy, or the errors.</summary>
/// <param name="Policy">The compiled policy, or null when there were errors.</param>
/// <param name="Errors">Every error found.</param>
public sealed record PolicyCompilation(CompiledPolicy? Policy, IReadOnlyList<PolicyError> Errors);
