using YamlDotNet.Serialization;

namespace Mesh.Policy.Model;

// The YAML shape of a policy document. These classes only carry what the parser read; the compiler validates
// them and builds the immutable, indexed form. Property names map to snake_case keys (expires_after, ...).

internal sealed class PolicyDocumentModel
{
    [YamlMember(Alias = "apiVersion", ApplyNamingConventions = false)]
    public string? ApiVersion { get; set; }

    public string? Kind { get; set; }

    public List<RuleModel>? Rules { get; set; }
}

internal sealed class RuleModel
{
    public string? Id { get; set; }

    public string? Effect { get; set; }

    public MatchModel? Match { get; set; }

    public LimitsModel? Limits { get; set; }

    public ApprovalModel? Approval { get; set; }

    public string? Description { get; set; }

    // Filled in by the parser so errors can point at the rule.
    public int Line { get; set; }

    public int Column { get; set; }
}

internal sealed class MatchModel
{
    public List<string>? Tools { get; set; }

    public List<string>? Operations { get; set; }

    public List<string>? Targets { get; set; }

    public List<string>? Roles { get; set; }

    public List<string>? Workflows { get; set; }

    public List<string>? Labels { get; set; }
}

internal sealed class LimitsModel
{
    public int Rate { get; set; }

    public string? Per { get; set; }

    public int Burst { get; set; }
}

internal sealed class ApprovalModel
{
    public List<string>? Groups { get; set; }

    public int Quorum { get; set; } = 1;

    public string? ExpiresAfter { get; set; }

    public List<string>? EscalateTo { get; set; }

    public string? EscalateAfter { get; set; }
}
