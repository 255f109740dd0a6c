using Mesh.Contracts.Errors;

namespace Mesh.Silo.Api.Http;

/// <summary>
/// An HTTP error with a stable code. Rendered as <c>application/problem+json</c> with <c>code</c>, <c>title</c>,
/// <c>status</c> and <c>detail</c>; clients switch on <c>code</c>.
/// </summary>
internal sealed class ApiProblem : Exception
{
    public ApiProblem(int status, string code, string detail)
        : base(detail)
    {
        Status = status;
        Code = code;
    }

    public ApiProblem()
        : this(500, "internal_error", "Mesh failed to handle the request.")
    {
    }

    public ApiProblem(string message)
        : this(400, "bad_request", message)
    {
    }

    public ApiProblem(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 400;
        Code = "bad_request";
    }

    public int Status { get; }

    public string Code { get; }

    public static ApiProblem BadRequest(string code, string detail) => new(StatusCodes.Status400BadRequest, code, detail);

    public static ApiProblem InvalidId(string what, string value) =>
        BadRequest("invalid_id", $"'{value}' is not a valid {what} id: ids are tenant/name with a lower-case tenant and a name of letters, digits, '.', '_' or '-'.");

    /// <summary>Maps a grain's refusal to its HTTP status and code.</summary>
    public static ApiProblem From(MeshException ex) => ex.Code switch
    {
        MeshErrorCode.InvalidArgument => new(StatusCodes.Status400BadRequest, "invalid_argument", ex.Message),
        MeshErrorCode.NotFound => new(StatusCodes.Status404NotFound, "not_found", ex.Message),
        MeshErrorCode.AlreadyExists => new(StatusCodes.Status409Conflict, "already_exists", ex.Message),
        MeshErrorCode.InvalidState => new(StatusCodes.Status409Conflict, "invalid_state", ex.Message),
        MeshErrorCode.Conflict => new(StatusCodes.Status409Conflict, "conflict", ex.Message),
        MeshErrorCode.Unavailable => new(StatusCodes.Status503ServiceUnavailable, "unavailable", ex.Message),
        MeshErrorCode.AccessDenied => new(StatusCodes.Status403Forbidden, "access_denied", ex.Message),
        MeshErrorCode.PolicyInvalid => new(StatusCodes.Status400BadRequest, "policy_invalid", ex.Message),
        _ => new(StatusCodes.Status500InternalServerError, "internal_error", "Mesh failed to handle the request."),
    };

    public static string TitleFor(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        429 => "Too many requests",
        _ => "Server error",
    };
}
