using System.Net;

namespace Mesh.Silo.Hosting;

/// <summary>
/// A port the silo listens on, with what it is for and every way an operator changes it: what a start-up error needs
/// to tell a newcomer how to get past a port that is taken.
/// </summary>
/// <param name="Address">The address the silo binds.</param>
/// <param name="Port">The port.</param>
/// <param name="Purpose">What the port serves, in a few words ("silo port, silo-to-silo traffic").</param>
/// <param name="Switch">The command-line switch that changes it, with its value ("--silo-port N").</param>
/// <param name="Setting">The configuration key ("Mesh:SiloPort"); its environment variable is derived from it.</param>
internal sealed record ListenPort(IPAddress Address, int Port, string Purpose, string Switch, string Setting)
{
    /// <summary>The environment variable of <see cref="Setting"/> (<c>:</c> becomes <c>__</c>).</summary>
    public string EnvironmentVariable => Setting.Replace(":", "__", StringComparison.Ordinal);

    /// <summary>The one line a start that finds this port taken prints.</summary>
    public string InUseMessage() =>
        $"Mesh cannot start: port {Port} ({Purpose}) on {Address} is already in use (another Mesh silo?); " +
        $"choose another with {Switch} (env {EnvironmentVariable}, config {Setting}).";

    /// <summary>The one line a start that may not bind this port prints.</summary>
    public string AccessDeniedMessage() =>
        $"Mesh cannot start: port {Port} ({Purpose}) on {Address} may not be opened by this user (ports below 1024 need privileges); " +
        $"choose another with {Switch} (env {EnvironmentVariable}, config {Setting}).";
}
