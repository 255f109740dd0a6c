namespace Mesh.Cli;

/// <summary>The CLI's exit codes; scripts switch on them.</summary>
internal static class ExitCodes
{
    /// <summary>Done (for <c>decide</c>: allowed).</summary>
    public const int Success = 0;

    /// <summary>
    /// The mesh refused the call or denied the action (including require-approval), or a check did not pass (an
    /// invalid policy, a failing policy test, an audit trail with problems).
    /// </summary>
    public const int Refused = 1;

    /// <summary>The command line is wrong (unknown option, missing argument, no token, unreadable file).</summary>
    public const int Usage = 2;

    /// <summary>The mesh cannot be reached (connection refused, timeout, server error).</summary>
    public const int Unreachable = 3;

    /// <summary>
    /// An audit export did not complete: a file could not be written, the connection broke, or the OTLP collector did
    /// not accept every record. Every file written holds whole lines only; the message says where to resume.
    /// </summary>
    public const int ExportFailed = 4;
}
