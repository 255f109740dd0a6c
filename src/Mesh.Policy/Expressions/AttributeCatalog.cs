using System.Collections.Immutable;
using Mesh.Policy.Evaluation;

namespace Mesh.Policy.Expressions;

internal delegate Value Evaluator(in PolicyInput input);

/// <summary>Every attribute a condition may read, with its type and how to read it.</summary>
internal static class AttributeCatalog
{
    private static readonly string[] Weekdays = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];

    private static readonly Dictionary<string, (ExprType Type, Evaluator Read)> Fixed = new(StringComparer.Ordinal)
    {
        ["request.tool"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.Tool)),
        ["request.operation"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.Operation)),
        ["request.target"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.Target)),
        ["request.target.host"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.TargetHost)),
        ["request.target.ip"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.TargetIp)),
        ["request.target.port"] = (ExprType.Number, (in PolicyInput i) => i.TargetPort is { } p ? Value.Of(p) : Value.Undefined),
        ["request.target.path"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.TargetPath)),
        ["request.target.scheme"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.TargetScheme)),
        ["request.workflow"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.Workflow)),
        ["request.labels"] = (ExprType.StringSet, (in PolicyInput i) => Value.Of(i.Labels)),
        ["agent.id"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.AgentId)),
        ["agent.tenant"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.Tenant)),
        ["agent.roles"] = (ExprType.StringSet, (in PolicyInput i) => Value.Of(i.Roles)),
        ["agent.parent"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.ParentAgentId)),
        ["agent.owner"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.Owner)),
        ["credential.id"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.CredentialId)),
        ["credential.version"] = (ExprType.Number, (in PolicyInput i) => i.CredentialVersion is { } v ? Value.Of(v) : Value.Undefined),
        ["session.id"] = (ExprType.String, (in PolicyInput i) => Value.Of(i.SessionId)),
        ["session.labels"] = (ExprType.StringSet, (in PolicyInput i) => i.SessionId is null ? Value.Undefined : Value.Of(i.SessionLabels)),
        ["session.actions"] = (ExprType.Number, (in PolicyInput i) => i.SessionId is null ? Value.Undefined : Value.Of(i.SessionActions)),
        ["time.now"] = (ExprType.Timestamp, (in PolicyInput i) => Value.Of(i.Now.UtcTicks)),
        ["time.hour"] = (ExprType.Number, (in PolicyInput i) => Value.Of(i.Now.UtcDateTime.Hour)),
        ["time.minute"] = (ExprType.Number, (in PolicyInput i) => Value.Of(i.Now.UtcDateTime.Minute)),
        ["time.weekday"] = (ExprType.String, (in PolicyInput i) => Value.Of(Weekdays[(int)i.Now.UtcDateTime.DayOfWeek])),
    };

    /// <summary>Attribute names for error messages.</summary>
    public static IEnumerable<string> Names =>
        Fixed.Keys.Concat(["request.max_label", "session.max_label", "request.attributes.<key>", "request.evidence.<key>"]).Order(StringComparer.Ordinal);

    /// <summary>Resolves a path to its type and reader, or null when no such attribute exists.</summary>
    public static (ExprType Type, Evaluator Read)? Resolve(IReadOnlyList<string> segments, LabelOrder labels)
    {
        var name = string.Join('.', segments);
        if (Fixed.TryGetValue(name, out var found))
        {
            return found;
        }

        if (segments.Count == 3 && segments[0] == "request" && segments[1] is "attributes" or "evidence")
        {
            var key = segments[2];
            return segments[1] == "attributes"
                ? (ExprType.String, (in PolicyInput i) => Lookup(i.Attributes, key))
                : (ExprType.String, (in PolicyInput i) => Lookup(i.Evidence, key));
        }

        return name switch
        {
            "request.max_label" => (ExprType.Label, (in PolicyInput i) => Rank(labels.MaxRank(i.Labels))),
            "session.max_label" => (ExprType.Label, (in PolicyInput i) => i.SessionId is null ? Value.Undefined : Rank(labels.MaxRank(i.SessionLabels))),
            _ => null,
        };
    }

    private static Value Lookup(ImmutableDictionary<string, string>? entries, string key) =>
        entries is not null && entries.TryGetValue(key, out var value) ? Value.Of(value) : Value.Undefined;

    // A session or request with no ordered label ranks below the lowest label.
    private static Value Rank(int rank) => Value.Of(rank);
}
