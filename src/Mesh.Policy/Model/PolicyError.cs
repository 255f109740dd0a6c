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

/// <summary>Thrown when a policy document does not validate; carries every error found.</summary>
public sealed class PolicyValidationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PolicyValidationException(IReadOnlyList<PolicyError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    /// <summary>Creates an exception without details.</summary>
    public PolicyValidationException()
        : this([])
    {
    }

    /// <summary>Creates an exception with one message.</summary>
    public PolicyValidationException(string message)
        : this([new PolicyError(0, 0, null, message)])
    {
    }

    /// <summary>Creates an exception with one message.</summary>
    public PolicyValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new PolicyError(0, 0, null, message)];
    }

    /// <summary>Every error found.</summary>
    public IReadOnlyList<PolicyError> Errors { get; }

    private static string Describe(IReadOnlyList<PolicyError> errors) => errors.Count switch
    {
        0 => "The policy is invalid.",
        1 => "The policy is invalid: " + errors[0],
        _ => $"The policy has {errors.Count} errors:" + Environment.NewLine + string.Join(Environment.NewLine, errors),
    };
}
