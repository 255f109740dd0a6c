namespace Mesh.Policy.Model;

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
