namespace Mesh.Policy.Model;

/// <summary>One problem in a policy document, with where it is and what is wrong in words.</summary>
/// <param name="Line">1-based line (0 when unknown).</param>
/// <param name="Column">1-based column (0 when unknown).</param>
/// <param name="RuleId">The rule the problem is in, if any.</param>
/// <param name="Message">What is wrong.</param>
public sealed record PolicyError(int Line, int Column, string? RuleId, string Message)
{
    /// <summary>The file the document came from, when the caller knows it.</summary>
    public string? File { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var where = Line > 0 ? $"{Line}:{Column}: " : string.Empty;
        if (File is not null)
        {
            where = Line > 0 ? $"{File}:{Line}:{Column}: " : $"{File}: ";
        }

        var rule = RuleId is null ? string.Empty : $"rule '{RuleId}': ";
        return where + rule + Message;
    }
}
