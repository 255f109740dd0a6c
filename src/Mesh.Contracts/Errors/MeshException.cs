namespace Mesh.Contracts.Errors;

/// <summary>A refused call with a code a caller can switch on and a message a person can act on.</summary>
/// <remarks>Thrown before any state changes: a refused call leaves nothing half-written.</remarks>
[GenerateSerializer, Alias("mesh.MeshException")]
public sealed class MeshException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MeshException(MeshErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    /// <summary>Parameterless constructor for serializers.</summary>
    public MeshException()
        : base("Mesh refused the call.")
    {
    }

    /// <summary>Creates the exception (for serializers and wrapping).</summary>
    public MeshException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception (for serializers and wrapping).</summary>
    public MeshException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Why the call was refused.</summary>
    [Id(0)]
    public MeshErrorCode Code { get; private set; }

    /// <summary>Throws <see cref="MeshErrorCode.InvalidArgument"/> unless the condition holds.</summary>
    public static void ThrowIfInvalid(bool valid, string message)
    {
        if (!valid)
        {
            throw new MeshException(MeshErrorCode.InvalidArgument, message);
        }
    }
}
