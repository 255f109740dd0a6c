using System.Globalization;

namespace Mesh.Testing.Postgres;

/// <summary>
/// Whether tests can have a PostgreSQL server here, and from where: the server named by <c>MESH_TEST_POSTGRES</c>,
/// or a throwaway one started from the local server binaries. Decided once per test process.
/// </summary>
public sealed class PostgresAvailability
{
    /// <summary>Connection string of an existing server (with the right to create databases) to use instead of a throwaway one.</summary>
    public const string ServerVariable = "MESH_TEST_POSTGRES";

    /// <summary>Set to <c>1</c> (CI does) to make a missing PostgreSQL fail the tests that need it instead of skipping them.</summary>
    public const string RequireVariable = "MESH_REQUIRE_POSTGRES";

    private const string DebianLayout = "/usr/lib/postgresql";

    private PostgresAvailability(bool isAvailable, string description)
    {
        IsAvailable = isAvailable;
        IsRequired = Environment.GetEnvironmentVariable(RequireVariable) == "1";
        Description = description;
    }

    /// <summary>True when a server can be had (which does not promise that it starts).</summary>
    public bool IsAvailable { get; }

    /// <summary>True when <c>MESH_REQUIRE_POSTGRES=1</c>: tests fail rather than skip when PostgreSQL is missing.</summary>
    public bool IsRequired { get; }

    /// <summary>Where the server comes from, or why there is none.</summary>
    public string Description { get; }

    /// <summary>The reason a PostgreSQL test is skipped, or null when it runs (PostgreSQL available, or required).</summary>
    public string? SkipReason => IsAvailable || IsRequired
        ? null
        : $"PostgreSQL is not available: {Description}. Install the server (apt-get install postgresql) or set {ServerVariable} " +
          $"to a connection string; set {RequireVariable}=1 to fail instead of skip.";

    /// <summary>The connection string from <c>MESH_TEST_POSTGRES</c>, when set.</summary>
    internal string? ExternalConnectionString { get; private init; }

    /// <summary>The folder holding <c>initdb</c>, <c>postgres</c> and <c>pg_ctl</c>, for a throwaway server.</summary>
    internal string? BinDirectory { get; private init; }

    /// <summary>When this process is root: the account the server runs as (PostgreSQL refuses to run as root).</summary>
    internal ServerAccount? Account { get; private init; }

    /// <inheritdoc />
    public override string ToString() => Description;

    internal static PostgresAvailability Detect()
    {
        if (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } external && !string.IsNullOrWhiteSpace(external))
        {
            return new PostgresAvailability(true, $"the server of {ServerVariable}") { ExternalConnectionString = external };
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return new PostgresAvailability(false, "throwaway servers are started on Linux and macOS only");
        }

        var bin = FindBinDirectory();
        if (bin is null)
        {
            return new PostgresAvailability(false, $"no PostgreSQL server binaries (initdb, postgres, pg_ctl) under {DebianLayout}/*/bin or in `pg_config --bindir`");
        }

        ServerAccount? account = null;
        if (Environment.IsPrivilegedProcess)
        {
            account = ServerAccount.Find("postgres");
            if (account is null)
            {
                return new PostgresAvailability(false, "this process runs as root, which PostgreSQL refuses, and there is no 'postgres' user to run it as");
            }

            if (account.Launcher is null)
            {
                return new PostgresAvailability(false, "this process runs as root and neither setpriv nor runuser is there to start PostgreSQL as user 'postgres'");
            }
        }

        var how = account is null ? "" : $", run as user '{account.Name}'";
        return new PostgresAvailability(true, $"a throwaway server from {bin}{how}") { BinDirectory = bin, Account = account };
    }

    private static string? FindBinDirectory()
    {
        if (Directory.Exists(DebianLayout))
        {
            var newest = Directory.GetDirectories(DebianLayout)
                .Select(dir => (Dir: Path.Combine(dir, "bin"), Version: ParseVersion(Path.GetFileName(dir))))
                .Where(c => c.Version is not null && HasServer(c.Dir))
                .OrderByDescending(c => c.Version)
                .Select(c => c.Dir)
                .FirstOrDefault();
            if (newest is not null)
            {
                return newest;
            }
        }

        if (Commands.FindOnPath("pg_config") is { } pgConfig)
        {
            var result = Commands.Run(pgConfig, ["--bindir"], TimeSpan.FromSeconds(10));
            var dir = result.Output.Trim();
            if (result.ExitCode == 0 && HasServer(dir))
            {
                return dir;
            }
        }

        return null;
    }

    private static Version? ParseVersion(string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? new Version(major, 0)
        : Version.TryParse(name, out var version) ? version
        : null;

    private static bool HasServer(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres")) && File.Exists(Path.Combine(dir, "pg_ctl"));
}

/// <summary>The account a throwaway server runs as when the tests run as root, and how to start a program as it.</summary>
internal sealed record ServerAccount(string Name, int Uid, int Gid, string? Launcher)
{
    /// <summary>Looks the user up in <c>/etc/passwd</c> and finds <c>setpriv</c> (preferred: it execs, so the process we hold is the program) or <c>runuser</c>.</summary>
    public static ServerAccount? Find(string name)
    {
        if (!File.Exists("/etc/passwd"))
        {
            return null;
        }

        foreach (var line in File.ReadLines("/etc/passwd"))
        {
            var fields = line.Split(':');
            if (fields.Length >= 4 && fields[0] == name
                && int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
                && int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
            {
                return new ServerAccount(name, uid, gid, Commands.FindOnPath("setpriv") ?? Commands.FindOnPath("runuser"));
            }
        }

        return null;
    }

    /// <summary>The program and arguments that run <paramref name="program"/> as this account.</summary>
    public (string File, IReadOnlyList<string> Arguments) Wrap(string program, IEnumerable<string> arguments)
    {
        var launcher = Launcher ?? throw new InvalidOperationException("No setpriv or runuser to start PostgreSQL with.");
        var prefix = Path.GetFileName(launcher) == "setpriv"
            ? new[] { $"--reuid={Uid.ToString(CultureInfo.InvariantCulture)}", $"--regid={Gid.ToString(CultureInfo.InvariantCulture)}", "--clear-groups", "--" }
            : ["-u", Name, "--"];
        return (launcher, [.. prefix, program, .. arguments]);
    }
}
