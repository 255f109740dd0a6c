using System.Collections.Immutable;

namespace Mesh.Policy.Evaluation;

/// <summary>What a policy sees of a request. A struct so evaluation allocates nothing.</summary>
public readonly struct PolicyInput
{
    /// <summary>Creates the input.</summary>
    public PolicyInput(string tool, string operation, string? target, string? workflow, ImmutableArray<string> roles, ImmutableArray<string> labels)
    {
        Tool = tool;
        Operation = operation;
        Target = target;
        Workflow = workflow;
        Roles = roles.IsDefault ? ImmutableArray<string>.Empty : roles;
        Labels = labels.IsDefault ? ImmutableArray<string>.Empty : labels;
    }

    /// <summary>Tool.</summary>
    public string Tool { get; }

    /// <summary>Operation.</summary>
    public string Operation { get; }

    /// <summary>Target.</summary>
    public string? Target { get; }

    /// <summary>Workflow.</summary>
    public string? Workflow { get; }

    /// <summary>The agent's roles.</summary>
    public ImmutableArray<string> Roles { get; }

    /// <summary>The request's data labels.</summary>
    public ImmutableArray<string> Labels { get; }
}
