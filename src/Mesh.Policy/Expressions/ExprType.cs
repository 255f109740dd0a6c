namespace Mesh.Policy.Expressions;

/// <summary>The static types of the condition language.</summary>
public enum ExprType
{
    /// <summary>true or false.</summary>
    Bool,
    /// <summary>Text.</summary>
    String,
    /// <summary>A number (integers and decimals).</summary>
    Number,
    /// <summary>A length of time, written 500ms, 30s, 5m, 2h, 1d.</summary>
    Duration,
    /// <summary>An instant, from <c>time.now</c> or <c>timestamp("2026-12-31T00:00:00Z")</c>.</summary>
    Timestamp,
    /// <summary>A set of strings (roles, labels).</summary>
    StringSet,
    /// <summary>A data label, ordered by the policy's <c>labels</c> list (public &lt; internal &lt; …).</summary>
    Label,
}
